import { jest } from '@jest/globals';
import type { BusResponder, ServeOptions } from '@cpo/messaging';
import type { CommandExecutor } from '../commands/command-executor.js';
import type { CommandDrain } from './command-drain.js';
import { StationCommands } from './station-commands.js';
import type { StationSession } from './station-session.js';

function setup() {
  let closed = false;
  const unsubscribe = jest.fn(() => void (closed = true));
  const subscription = { unsubscribe, isClosed: () => closed };
  const responder = { serve: jest.fn((_o: ServeOptions<unknown, unknown>) => subscription) };
  let startClosing!: () => void;
  const session = { stationId: 'CP1', closing: new Promise<void>((r) => (startClosing = r)) } as unknown as StationSession;
  const commands = new StationCommands(responder as unknown as BusResponder, {} as CommandExecutor, { stopping: false } as CommandDrain);
  return { commands, session, responder, unsubscribe, startClosing };
}

describe('StationCommands', () => {
  it("stops serving the station's command subject as soon as its session starts closing", async () => {
    const { commands, session, responder, unsubscribe, startClosing } = setup();
    commands.serve(session);
    expect(responder.serve).toHaveBeenCalledWith(expect.objectContaining({ subject: 'ocpp.command.CP1' }));
    await Promise.resolve();
    expect(unsubscribe).not.toHaveBeenCalled();
    startClosing();
    await Promise.resolve();
    expect(unsubscribe).toHaveBeenCalledTimes(1);
  });

  it('a stop by the registry (released) and the later closing unsubscribe once', async () => {
    const { commands, session, unsubscribe, startClosing } = setup();
    const stop = commands.serve(session);
    stop();
    startClosing();
    await Promise.resolve();
    stop();
    expect(unsubscribe).toHaveBeenCalledTimes(1);
  });
});
