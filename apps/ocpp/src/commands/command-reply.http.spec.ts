import { httpStatusOfReply, reportsCharger } from './command-reply.http.js';
import { LocalCommandErrorCode } from './command-executor.js';

describe('httpStatusOfReply', () => {
  const failed = (code: string) => httpStatusOfReply({ status: 'error', code, description: '' });

  it("tells the central system's own failure (500) from the charger's CallError InternalError (502)", () => {
    expect(failed(LocalCommandErrorCode.CentralSystemError)).toBe(500);
    expect(failed('InternalError')).toBe(502);
    expect(failed('NotSupported')).toBe(502);
  });

  it('maps the typed failures', () => {
    expect(httpStatusOfReply({ status: 'ok', payload: {} })).toBe(200);
    expect([failed('InvalidRequest'), failed('Offline'), failed('Timeout'), failed('QueueTimeout'), failed('QueueFull'), failed('Conflict')]).toEqual([400, 503, 504, 504, 429, 409]);
  });

  it("a replica that did not answer over the bus is our own infrastructure failing (503), not the charger's silence (504)", () => {
    expect(failed('ReplicaTimeout')).toBe(503);
    expect(failed('Timeout')).toBe(504);
    const reply = (code: string) => ({ status: 'error' as const, code, description: '' });
    // Left out of the 5xx alert only when the charger is at fault.
    expect(['Offline', 'Timeout', 'InternalError'].map((c) => reportsCharger(reply(c)))).toEqual([true, true, true]);
    expect(['ReplicaTimeout', 'CentralSystemError'].map((c) => reportsCharger(reply(c)))).toEqual([false, false]);
  });
});
