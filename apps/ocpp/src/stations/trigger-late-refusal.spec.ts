import { jest } from '@jest/globals';
import type { JsonObject } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import { CommandExecutor } from '../commands/command-executor.js';
import type { CallOutcome } from '../connection/outbound-calls.js';
import type { CallOptions, StationContext } from '../connection/station-context.js';
import { TriggeredActions } from '../connection/triggered-actions.js';
import { BootTriggers } from './boot-triggers.js';
import { ConfigurationEffects } from './configuration.effects.js';
import type { ConnectorNotices } from './connector-notices.js';
import type { StationConfigurationRepository } from './station-configuration.repository.js';
import type { StationRepository } from './station.repository.js';

const logger = { error: jest.fn(), warn: jest.fn(), info: jest.fn() } as unknown as Logger;
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

/**
 * A TriggerMessage timed out in flight; a newer one for the same message went out after it and
 * opened its own window. The older call's late refusal says nothing about the newer one.
 */
describe("an older trigger's late refusal", () => {
  function setUp() {
    const executor = new CommandExecutor(logger);
    const bootTriggers = new BootTriggers();
    const stations = { learnTriggerSupport: jest.fn(async () => undefined) } as unknown as StationRepository;
    new ConfigurationEffects(executor, stations, {} as StationConfigurationRepository, {} as ConnectorNotices, logger, bootTriggers).onModuleInit();
    const triggered = new TriggeredActions();
    const lates: ((outcome: CallOutcome) => boolean)[] = [];
    const answers: ((outcome: CallOutcome) => void)[] = [];
    // The first call times out; the later ones wait for `answer`.
    const ctx: StationContext = {
      stationId: 'CP-1',
      protocol: 'ocpp1.6',
      connectionId: 'conn-1',
      connectedAt: new Date(0),
      known: true,
      registration: 'Pending',
      validationPolicy: 'strict',
      call: (_action: string, _payload: JsonObject, options?: CallOptions) => {
        lates.push(options!.onLateAnswer!);
        if (lates.length === 1) return Promise.resolve({ kind: 'timeout' });
        return new Promise<CallOutcome>((resolve) => answers.push(resolve));
      },
      expectTriggered: (action, expected, by) => triggered.expect(action, expected, by),
    };
    return { executor, ctx, triggered, bootTriggers, late: (o: CallOutcome) => lates[0]!(o), answer: (o: CallOutcome) => answers[0]!(o) };
  }

  it.each(['Rejected', 'NotImplemented'])('%s: the newer trigger\'s window stays open', async (status) => {
    const { executor, ctx, triggered, late, answer } = setUp();
    const payload = { requestedMessage: 'StatusNotification' };
    expect(await executor.execute(ctx, { action: 'TriggerMessage', payload })).toMatchObject({ code: 'Timeout' });
    const newer = executor.execute(ctx, { action: 'TriggerMessage', payload: { ...payload } });
    await settle();
    expect(late({ kind: 'result', payload: { status } })).toBe(true);
    await settle();
    expect(triggered.admits('StatusNotification')).toBe(true);
    answer({ kind: 'result', payload: { status: 'Accepted' } });
    await newer;
    expect(triggered.admits('StatusNotification')).toBe(true);
  });

  it('a late CallError leaves the newer window open too', async () => {
    const { executor, ctx, triggered, late } = setUp();
    await executor.execute(ctx, { action: 'TriggerMessage', payload: { requestedMessage: 'StatusNotification' } });
    void executor.execute(ctx, { action: 'TriggerMessage', payload: { requestedMessage: 'StatusNotification' } });
    await settle();
    late({ kind: 'error', code: 'InternalError', description: '', details: {} });
    await settle();
    expect(triggered.admits('StatusNotification')).toBe(true);
  });

  it('without a newer trigger, it closes the window as a timely refusal does', async () => {
    const { executor, ctx, triggered, late } = setUp();
    await executor.execute(ctx, { action: 'TriggerMessage', payload: { requestedMessage: 'StatusNotification' } });
    expect(triggered.admits('StatusNotification')).toBe(true);
    late({ kind: 'result', payload: { status: 'Rejected' } });
    await settle();
    expect(triggered.admits('StatusNotification')).toBe(false);
  });

  it('a late CallError without a newer trigger closes the window as a timely CallError does', async () => {
    const { executor, ctx, triggered, late } = setUp();
    await executor.execute(ctx, { action: 'TriggerMessage', payload: { requestedMessage: 'StatusNotification' } });
    expect(late({ kind: 'error', code: 'NotSupported', description: '', details: {} })).toBe(true);
    await settle();
    expect(triggered.admits('StatusNotification')).toBe(false);
  });

  it('of a BootNotification trigger: the newer accepted trigger still makes the boot a triggered one', async () => {
    const { executor, ctx, bootTriggers, late, answer } = setUp();
    const payload = { requestedMessage: 'BootNotification' };
    await executor.execute(ctx, { action: 'TriggerMessage', payload });
    const newer = executor.execute(ctx, { action: 'TriggerMessage', payload: { ...payload } });
    await settle();
    late({ kind: 'result', payload: { status: 'Rejected' } });
    await settle();
    answer({ kind: 'result', payload: { status: 'Accepted' } });
    await newer;
    expect(await bootTriggers.takeFor('conn-1', 50)).toBe(true);
  });
});

describe('TriggeredActions', () => {
  it('closes a window only for the ask that opened it', () => {
    const triggered = new TriggeredActions();
    const older = {};
    const newer = {};
    triggered.expect('Heartbeat', true, older);
    triggered.expect('Heartbeat', true, newer);
    triggered.expect('Heartbeat', false, older);
    expect(triggered.admits('Heartbeat')).toBe(true);
    triggered.expect('Heartbeat', false, newer);
    expect(triggered.admits('Heartbeat')).toBe(false);
  });
});
