import { jest } from '@jest/globals';
import type { OcppCommandReply, OcppCommandRequest } from '@cpo/contracts';
import type { BusResponder, ServeOptions } from '@cpo/messaging';
import type { Logger } from 'pino';
import type { CommandExecutor } from '../commands/command-executor.js';
import type { CommandDrain } from './command-drain.js';
import { StationCommands } from './station-commands.js';
import type { StationSession } from './station-session.js';

const sent: OcppCommandReply = { status: 'ok', payload: { status: 'Accepted' } };
const conflict: OcppCommandReply = { status: 'error', code: 'Conflict', description: 'reserved for the grid limits' };

function setup() {
  let closed = false;
  const unsubscribe = jest.fn(() => void (closed = true));
  const subscription = { unsubscribe, isClosed: () => closed };
  const responder = { serve: jest.fn((_o: ServeOptions<OcppCommandRequest, OcppCommandReply>) => subscription) };
  let startClosing!: () => void;
  const session = { stationId: 'CP1', closing: new Promise<void>((r) => (startClosing = r)) } as unknown as StationSession;
  const execute = jest.fn(async (_s: unknown, _r: OcppCommandRequest) => sent);
  const drain = { stopping: false, hold: <T>(p: Promise<T>) => p } as unknown as CommandDrain;
  const logger = { warn: jest.fn() } as unknown as Logger;
  const commands = new StationCommands(responder as unknown as BusResponder, { execute } as unknown as CommandExecutor, drain, { SERVICE_NAME: 'ocpp' }, logger);
  /** What the subscription's handler answers a request with `source` in its Cpo-Source header. */
  const request = (r: OcppCommandRequest, source?: string) => {
    const { handle } = responder.serve.mock.calls.at(-1)![0];
    return handle(r, { subject: 'ocpp.command.CP1', ...(source ? { source } : {}) });
  };
  return { commands, session, responder, unsubscribe, startClosing, execute, request };
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

  describe('commands from outside the service', () => {
    const profile = { action: 'SetChargingProfile', payload: { connectorId: 1, csChargingProfiles: { chargingProfileId: 1 } } } as OcppCommandRequest;

    it('pass the operator rules before the executor: a refused one never runs', async () => {
      const { commands, session, execute, request } = setup();
      const check = jest.fn(async (_id: string, r: OcppCommandRequest) => (r.action === 'SetChargingProfile' ? conflict : undefined));
      commands.checkedBy(check);
      commands.serve(session);
      expect(await request(profile, 'planner')).toEqual(conflict);
      expect(await request(profile)).toEqual(conflict);
      expect(check).toHaveBeenCalledWith('CP1', profile);
      expect(execute).not.toHaveBeenCalled();
      expect(await request({ action: 'ClearCache', payload: {} }, 'ocpi-hub')).toEqual(sent);
      expect(execute).toHaveBeenCalledTimes(1);
    });

    it("are not run when the rules are not loaded (an error, not the command)", async () => {
      const { commands, session, execute, request } = setup();
      commands.serve(session);
      await expect(request(profile, 'planner')).rejects.toThrow(/not loaded/);
      expect(execute).not.toHaveBeenCalled();
    });

    it("one our own replicas send (named by the service's name) runs unchecked: smart charging's own profiles, forwards checked where they entered", async () => {
      const { commands, session, execute, request } = setup();
      const check = jest.fn(async () => conflict);
      commands.checkedBy(check);
      commands.serve(session);
      expect(await request(profile, 'ocpp')).toEqual(sent);
      expect(check).not.toHaveBeenCalled();
      expect(execute).toHaveBeenCalledWith(session, profile);
    });
  });
});
