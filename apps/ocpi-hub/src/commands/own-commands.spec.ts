import { ownStopResult } from './own-stop-result.js';
import { OCPI_OWN_COMMAND_RESULT_DELIVERY_S, OCPI_OWN_COMMAND_TIMEOUT_S } from '@cpo/contracts';
import { ownCommandResponse, ownStopTimeoutMs, resultBody, resultFor211 } from './own-commands.service.js';

describe('resultFor211', () => {
  it('keeps the five 2.1.1 results and folds the 2.2.1-only ones', () => {
    for (const r of ['NOT_SUPPORTED', 'REJECTED', 'ACCEPTED', 'TIMEOUT', 'UNKNOWN_SESSION']) expect(resultFor211(r)).toBe(r);
    expect(resultFor211('CANCELED_RESERVATION')).toBe('ACCEPTED');
    expect(resultFor211('EVSE_OCCUPIED')).toBe('REJECTED');
    expect(resultFor211('FAILED')).toBe('REJECTED');
  });

  it('shapes a result body per requester version', () => {
    expect(resultBody('2.1.1', 'FAILED', 'offline')).toEqual({ result: 'REJECTED' });
    expect(resultBody('2.2.1', 'FAILED', 'offline')).toEqual({ result: 'FAILED', message: [{ language: 'en', text: 'offline' }] });
    expect(resultBody('2.2.1', 'ACCEPTED')).toEqual({ result: 'ACCEPTED' });
  });
});

describe('ownStopResult (RemoteStopTransaction → OCPI CommandResult)', () => {
  const cases: [string, Parameters<typeof ownStopResult>, string][] = [
    ['charger accepted', [{ status: 'ok', payload: { status: 'Accepted' } }], 'ACCEPTED'],
    ['charger rejected', [{ status: 'ok', payload: { status: 'Rejected' } }], 'REJECTED'],
    ['ocpp: charger timed out', [{ status: 'error', code: 'Timeout', description: 'x' }], 'TIMEOUT'],
    ['ocpp: station offline', [{ status: 'error', code: 'Offline', description: 'x' }], 'FAILED'],
    ['charger CallError', [{ status: 'error', code: 'NotSupported', description: 'x' }], 'FAILED'],
    // The charger may have stopped the session: an unknown outcome, never a refusal.
    ['ocpp: socket closed after the call could be sent', [{ status: 'error', code: 'Offline', description: 'x', mayHaveActed: true }], 'TIMEOUT'],
    ['ocpp: malformed CALLRESULT', [{ status: 'error', code: 'FormationViolation', description: 'x', mayHaveActed: true }], 'TIMEOUT'],
    ['no reply on the bus in time', [undefined, 'timeout'], 'TIMEOUT'],
    ['no ocpp replica answers', [undefined, 'unavailable'], 'FAILED'],
  ];
  for (const [name, args, result] of cases) it(name, () => expect(ownStopResult(...args).result).toBe(result));
});

describe('own-charger commands: the announced timeout', () => {
  it('tells a 2.2.1 eMSP the timeout ocpp acts within (shared constant); 2.1.1 has no timeout', () => {
    expect(ownCommandResponse('2.2.1', 'ACCEPTED')).toEqual({ result: 'ACCEPTED', timeout: OCPI_OWN_COMMAND_TIMEOUT_S });
    expect(ownCommandResponse('2.1.1', 'ACCEPTED')).toEqual({ result: 'ACCEPTED' });
  });

  it("an own STOP_SESSION's charger call ends, with the bus margin, before the announced timeout less the result's delivery", () => {
    expect(ownStopTimeoutMs(10_000)).toBe(10_000);
    // OCPI_COMMAND_TIMEOUT_MS may be configured up to 60 s.
    expect(ownStopTimeoutMs(60_000) + 2_000).toBeLessThanOrEqual((OCPI_OWN_COMMAND_TIMEOUT_S - OCPI_OWN_COMMAND_RESULT_DELIVERY_S) * 1000);
  });
});
