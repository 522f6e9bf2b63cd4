import type { OcpiCommandRequested } from '@cpo/contracts';
import { validateRequest16, type JsonObject } from '@cpo/ocpp-protocol';
import { replyOf, type CallFailure } from '../commands/command-executor.js';
import { reservationStatusAfter } from '../reservations/reservation.effects.js';
import { ocpiResultOf, ocppCallFor } from './ocpi-command.mapping.js';

const command = (type: OcpiCommandRequested['type'], parameters: Record<string, unknown>, connectorId?: number): OcpiCommandRequested => ({
  commandId: '8e6f0a8e-0d8e-4c3e-9d8b-2f1e1c0a9b7d',
  type,
  stationId: 'CP-1',
  connectorId,
  parameters,
  requestedAt: '2026-11-23T10:00:00Z',
});

/** When the commands above are executed: before their expiry dates (2026-11-23T11:00:00Z). */
const NOW = Date.parse('2026-11-23T10:00:05Z');

describe('OCPI command → OCPP 1.6 call', () => {
  it('maps each command type, or answers at once when it cannot be expressed', () => {
    expect(ocppCallFor(command('START_SESSION', { token: { uid: 'RFID-1' } }, 2), {})).toEqual({ action: 'RemoteStartTransaction', payload: { idTag: 'RFID-1', connectorId: 2 } });
    expect(ocppCallFor(command('START_SESSION', { token: { uid: 'X'.repeat(21) } }), {})).toMatchObject({ result: 'REJECTED' });
    expect(ocppCallFor(command('STOP_SESSION', { session_id: '42' }), {})).toEqual({ action: 'RemoteStopTransaction', payload: { transactionId: 42 } });
    expect(ocppCallFor(command('STOP_SESSION', { session_id: 'abc' }), {})).toMatchObject({ result: 'REJECTED' });
    expect(ocppCallFor(command('RESERVE_NOW', { token: { uid: 'T' }, expiry_date: '2026-11-23T11:00:00Z', reservation_id: 'R-1' }), { reservationId: 7 }, NOW)).toEqual({
      action: 'ReserveNow',
      payload: { connectorId: 0, expiryDate: '2026-11-23T11:00:00Z', idTag: 'T', reservationId: 7 },
    });
    expect(ocppCallFor(command('CANCEL_RESERVATION', { reservation_id: 'R-9' }), {})).toMatchObject({ result: 'UNKNOWN_RESERVATION' });
    expect(ocppCallFor(command('UNLOCK_CONNECTOR', {}, 1), {})).toEqual({ action: 'UnlockConnector', payload: { connectorId: 1 } });
  });

  it('maps the charger answers and failures to OCPI results', () => {
    expect(ocpiResultOf('RemoteStartTransaction', { status: 'ok', payload: { status: 'Accepted' } })).toBe('ACCEPTED');
    expect(ocpiResultOf('RemoteStartTransaction', { status: 'ok', payload: { status: 'Rejected' } })).toBe('REJECTED');
    expect(ocpiResultOf('ReserveNow', { status: 'ok', payload: { status: 'Occupied' } })).toBe('EVSE_OCCUPIED');
    expect(ocpiResultOf('ReserveNow', { status: 'ok', payload: { status: 'Faulted' } })).toBe('EVSE_INOPERATIVE');
    expect(ocpiResultOf('CancelReservation', { status: 'ok', payload: { status: 'Accepted' } })).toBe('CANCELED_RESERVATION');
    expect(ocpiResultOf('UnlockConnector', { status: 'ok', payload: { status: 'UnlockFailed' } })).toBe('FAILED');
    expect(ocpiResultOf('UnlockConnector', { status: 'error', code: 'Timeout', description: '' })).toBe('TIMEOUT');
    expect(ocpiResultOf('UnlockConnector', { status: 'error', code: 'Offline', description: '' })).toBe('FAILED');
  });

  it('an outcome the charger may have carried out is TIMEOUT (unknown), not FAILED: socket closed after sending, malformed answer', () => {
    const closed = { status: 'error', code: 'Offline', description: 'the station disconnected before answering', mayHaveActed: true } as const;
    const malformed = { status: 'error', code: 'FormationViolation', description: 'CALLRESULT breaks its schema', mayHaveActed: true } as const;
    for (const action of ['RemoteStartTransaction', 'RemoteStopTransaction', 'ReserveNow', 'CancelReservation', 'UnlockConnector'] as const) {
      expect({ action, closed: ocpiResultOf(action, closed), malformed: ocpiResultOf(action, malformed) }).toEqual({ action, closed: 'TIMEOUT', malformed: 'TIMEOUT' });
    }
    // The charger's own CallError is its refusal: still FAILED / NOT_SUPPORTED.
    expect(ocpiResultOf('ReserveNow', { status: 'error', code: 'FormationViolation', description: '' })).toBe('FAILED');
    expect(ocpiResultOf('UnlockConnector', { status: 'error', code: 'NotSupported', description: '' })).toBe('NOT_SUPPORTED');
  });

  it('a call never written to the socket (queued when it closed) did not reach the charger: Offline without mayHaveActed, FAILED', () => {
    const reply = replyOf({ kind: 'disconnected', unsent: true }, 'UnlockConnector');
    expect(reply).toEqual({ status: 'error', code: 'Offline', description: expect.stringContaining('before the call was sent') });
    expect(ocpiResultOf('UnlockConnector', reply)).toBe('FAILED');
    expect(replyOf({ kind: 'disconnected' }, 'UnlockConnector')).toMatchObject({ code: 'Offline', mayHaveActed: true });
  });

  it('a call that timed out still queued behind another (never written) did not reach the charger: FAILED, not TIMEOUT', () => {
    const reply = replyOf({ kind: 'timeout', unsent: true }, 'UnlockConnector');
    expect(reply).not.toHaveProperty('mayHaveActed');
    expect(ocpiResultOf('UnlockConnector', reply)).toBe('FAILED');
    expect(ocpiResultOf('UnlockConnector', replyOf({ kind: 'timeout' }, 'UnlockConnector'))).toBe('TIMEOUT');
  });

  it('a call that timed out queued says which call held the station up (an onboarding GetConfiguration left unanswered)', () => {
    expect(replyOf({ kind: 'timeout', unsent: true, behind: 'GetConfiguration' }, 'Reset')).toMatchObject({
      code: 'QueueTimeout',
      description: expect.stringContaining('a GetConfiguration still unanswered'),
    });
  });

  it('agrees with what the ocpp service records for a ReserveNow without an answer: TIMEOUT exactly where the reservation stays TimedOut (live)', () => {
    const failures: CallFailure[] = [
      { kind: 'timeout' },
      { kind: 'timeout', unsent: true },
      { kind: 'disconnected' },
      { kind: 'disconnected', unsent: true },
      { kind: 'error', code: 'FormationViolation', description: 'malformed CALLRESULT', details: {}, mayHaveActed: true },
      { kind: 'error', code: 'GenericError', description: 'refused', details: {} },
      { kind: 'queue-full' },
      { kind: 'superseded' },
    ];
    for (const failure of failures) {
      const result = ocpiResultOf('ReserveNow', replyOf(failure, 'ReserveNow'));
      expect({ failure, timedOut: result === 'TIMEOUT' }).toEqual({ failure, timedOut: reservationStatusAfter(failure) === 'TimedOut' });
    }
  });
});

describe('RESERVE_NOW expiry_date', () => {
  const reserve = (expiry: string, nowMs = NOW) => ocppCallFor(command('RESERVE_NOW', { token: { uid: 'T' }, expiry_date: expiry, reservation_id: 'R-1' }), { reservationId: 7 }, nowMs);

  it('is sent with a time zone: OCPI leaves it out for UTC, OCPP 1.6 requires one (else the call fails validation and the eMSP gets FAILED)', () => {
    const call = reserve('2026-11-23T11:00:00');
    expect(call).toMatchObject({ action: 'ReserveNow' });
    const payload = (call as { payload: JsonObject }).payload;
    expect(validateRequest16('ReserveNow', payload)).toEqual({ ok: true });
    expect(new Date(String(payload['expiryDate'])).toISOString()).toBe('2026-11-23T11:00:00.000Z');
  });

  it('that is no OCPI DateTime is rejected at once', () => {
    expect(reserve('tomorrow')).toMatchObject({ result: 'REJECTED' });
  });

  it('at or before now is REJECTED by us at once (the CPO refuses it; FAILED would say the charger failed), read as UTC without a zone', () => {
    const now = Date.parse('2026-11-23T11:00:00Z');
    for (const expiry of ['2026-11-23T11:00:00Z', '2026-11-23T10:59:59', '2026-11-23T12:30:00+02:00']) {
      expect({ expiry, call: reserve(expiry, now) }).toEqual({ expiry, call: { result: 'REJECTED', message: expect.stringContaining('expiry_date') } });
    }
    expect(reserve('2026-11-23T11:00:01', now)).toMatchObject({ action: 'ReserveNow' });
  });
});

describe('STOP_SESSION session_id', () => {
  it('stops only the transaction whose id the session id is written as (ours are String(transactionId)), never one a lax number parse finds', () => {
    for (const id of ['', ' ', '1e1', '0x10', '010', '-3', '2147483648']) {
      expect(ocppCallFor(command('STOP_SESSION', { session_id: id }), {})).toMatchObject({ result: 'REJECTED' });
    }
    expect(ocppCallFor(command('STOP_SESSION', { session_id: '0' }), {})).toEqual({ action: 'RemoteStopTransaction', payload: { transactionId: 0 } });
  });
});
