import { ownStopResult } from './own-stop-result.js';
import { OCPI_OWN_COMMAND_RESULT_DELIVERY_S, OCPI_OWN_COMMAND_TIMEOUT_S } from '@cpo/contracts';
import { ownCommandResponse, ownStopTimeoutMs, resultBody, resultFor211, startMayHaveHappened, startSessionToken } from './own-commands.service.js';

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
  it('ocpp: the stop waited behind earlier calls until its timeout and was never sent: FAILED, and not called a refusal', () => {
    const { result, message } = ownStopResult({ status: 'error', code: 'QueueTimeout', description: 'x' });
    expect(result).toBe('FAILED');
    expect(message).toBe('the charge point was busy with earlier calls: the stop was never sent');
  });
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

describe('startSessionToken (the route a START_SESSION leaves for its Session)', () => {
  it('keeps a 2.2.1 token as named, with its reference', () => {
    expect(startSessionToken({ token: { uid: 'A1', type: 'APP_USER', contract_id: 'FR-BUS-1' }, authorization_reference: 'r1' })).toEqual({ uid: 'A1', type: 'APP_USER', contractId: 'FR-BUS-1', reference: 'r1' });
  });

  it("takes a 2.1.1 token's auth_id as the contract id and Gireve's authorization_id as the reference", () => {
    expect(startSessionToken({ token: { uid: 'B1', type: 'RFID', auth_id: 'FR-OLD-1' }, authorization_id: 'g-1' })).toEqual({ uid: 'B1', type: 'RFID', contractId: 'FR-OLD-1', reference: 'g-1' });
  });

  it('reads an unknown or missing type as OTHER and no reference when there is none', () => {
    expect(startSessionToken({ token: { uid: 'C1', type: 'CARD' } })).toEqual({ uid: 'C1', type: 'OTHER' });
    expect(startSessionToken({ token: { uid: 'C2' }, authorization_reference: '' })).toEqual({ uid: 'C2', type: 'OTHER' });
    expect(startSessionToken({})).toBeUndefined();
  });
});

describe('startMayHaveHappened (does a START_SESSION keep the token route it wrote?)', () => {
  it('ACCEPTED and TIMEOUT (the charger may have acted) keep it; a refusal or a call that failed gives the earlier route back', () => {
    expect(startMayHaveHappened('ACCEPTED')).toBe(true);
    expect(startMayHaveHappened('TIMEOUT')).toBe(true);
    for (const r of ['REJECTED', 'FAILED', 'NOT_SUPPORTED', 'EVSE_OCCUPIED', 'EVSE_INOPERATIVE', 'UNKNOWN_RESERVATION'] as const) expect(startMayHaveHappened(r)).toBe(false);
  });
});
