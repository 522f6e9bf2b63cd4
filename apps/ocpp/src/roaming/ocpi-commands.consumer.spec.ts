import { jest } from '@jest/globals';
import { DomainError } from '@cpo/platform';
import type { ConsumerHost } from '@cpo/messaging';
import { OcpiCommandsConsumer } from './ocpi-commands.consumer.js';

type Handler = (event: { payload: unknown }, tx: unknown) => Promise<unknown>;

/** The consumer with only what its bus handler touches: the command store and the drain. */
function consumerWith(stopping: boolean) {
  let handler: Handler | undefined;
  const record = jest.fn(async () => true);
  const consumers = { register: (spec: { handler: Handler }) => (handler = spec.handler) } as unknown as ConsumerHost;
  const none = {} as never;
  const consumer = new OcpiCommandsConsumer(consumers, { record } as never, none, none, { stopping } as never, none, none, none, none, none);
  consumer.onModuleInit();
  return { handle: (payload: unknown) => handler!({ payload }, {}), record };
}

describe('OcpiCommandsConsumer on a stopping replica', () => {
  const command = { commandId: 'c1', type: 'UNLOCK_CONNECTOR', stationId: 'CP1' };

  it('leaves a new OCPI command on the stream (unavailable: nak, never dead-lettered) instead of recording it, since it would refuse it as Offline', async () => {
    const { handle, record } = consumerWith(true);
    const refusal = await handle(command).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refusal).toBeInstanceOf(DomainError);
    expect((refusal as DomainError).kind).toBe('unavailable');
    expect(record).not.toHaveBeenCalled();
  });

  it('records it while the replica runs', async () => {
    const { handle, record } = consumerWith(false);
    await handle(command);
    expect(record).toHaveBeenCalledWith({}, command);
  });
});
