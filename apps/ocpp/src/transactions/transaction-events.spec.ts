import { OcppStopReason, Subjects, validateEvent } from '@cpo/contracts';
import { contractStopReason, transactionStartedEvent, transactionStoppedEvent } from './transaction-events.js';

const start = { stationId: 'CP-1', connectorId: 1, transactionId: 7, idTag: 'TAG', meterStart: 1000, startedAt: new Date('2026-01-01T10:00:00Z'), idTagStatus: 'Accepted' as const };
const stop = { stationId: 'CP-1', transactionId: 7, meterStop: 2000, stoppedAt: new Date('2026-01-01T11:00:00Z'), reason: 'Local', energyWh: 1000 };

describe('contractStopReason', () => {
  it('keeps contract values, fixes case and punctuation, maps anything else to Other', () => {
    for (const reason of OcppStopReason.options) expect(contractStopReason(reason)).toBe(reason);
    expect(contractStopReason('Deauthorized')).toBe('DeAuthorized');
    expect(contractStopReason('ev-disconnected')).toBe('EVDisconnected');
    expect(contractStopReason('POWERLOSS')).toBe('PowerLoss');
    expect(contractStopReason('Vendor.Fault42')).toBe('Other');
    expect(contractStopReason('')).toBe('Other');
    expect(contractStopReason(42)).toBe('Other');
    expect(contractStopReason(undefined)).toBeUndefined();
  });
});

describe('transaction events', () => {
  it('passes contract-valid messages through unchanged', () => {
    expect(transactionStartedEvent(start)).toEqual({
      event: { stationId: 'CP-1', connectorId: 1, transactionId: 7, idTag: 'TAG', meterStartWh: 1000, startedAt: '2026-01-01T10:00:00.000Z', reservationId: undefined, idTagStatus: 'Accepted' },
      adjusted: [],
    });
    expect(transactionStoppedEvent({ ...stop, idTag: 'TAG' })).toEqual({
      event: { stationId: 'CP-1', transactionId: 7, idTag: 'TAG', meterStopWh: 2000, stoppedAt: '2026-01-01T11:00:00.000Z', reason: 'Local', energyWh: 1000 },
      adjusted: [],
    });
  });

  it("carries a roaming session's authorization reference, as stored, and none for a local one", () => {
    const roaming = transactionStartedEvent({ ...start, authorizationReference: 'emsp-ref-1' });
    expect(roaming).toEqual({ event: expect.objectContaining({ authorizationReference: 'emsp-ref-1' }), adjusted: [] });
    expect(validateEvent(Subjects.OcppTransactionStarted, 1, roaming.event)).toEqual({ ok: true, value: roaming.event });
    for (const none of [null, undefined]) expect(transactionStartedEvent({ ...start, authorizationReference: none }).event).not.toHaveProperty('authorizationReference');
  });

  it('publishes a start with an empty idTag (a free-vend charger) without one: the session still reaches the bus', () => {
    const freeVend = transactionStartedEvent({ ...start, idTag: '' });
    expect(freeVend).toEqual({
      event: { stationId: 'CP-1', connectorId: 1, transactionId: 7, meterStartWh: 1000, startedAt: '2026-01-01T10:00:00.000Z', reservationId: undefined, idTagStatus: 'Accepted' },
      adjusted: [],
    });
    expect(freeVend.event).not.toHaveProperty('idTag');
    expect(validateEvent(Subjects.OcppTransactionStarted, 1, freeVend.event)).toEqual({ ok: true, value: freeVend.event });
  });

  it('says which idTagInfo status ocpp answered: a refused start is published too (the charger may run it), marked as such', () => {
    for (const idTagStatus of ['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx'] as const) {
      const built = transactionStartedEvent({ ...start, idTagStatus });
      expect(built).toEqual({ event: expect.objectContaining({ transactionId: 7, idTagStatus }), adjusted: [] });
      expect(validateEvent(Subjects.OcppTransactionStarted, 1, built.event)).toEqual({ ok: true, value: built.event });
    }
  });

  it("carries ocpp's settled energy on the stop: a restarted meter's is counted from zero, not the registers' difference", () => {
    const normal = transactionStoppedEvent({ ...stop, energyWh: 1000 });
    expect(normal).toEqual({ event: expect.objectContaining({ meterStopWh: 2000, energyWh: 1000 }), adjusted: [] });
    // Started at 50 kWh, the meter restarted and stopped at 4.2 kWh: ocpp settles 4.2 kWh.
    const restarted = transactionStoppedEvent({ ...stop, meterStop: 4200, energyWh: 4200 });
    expect(restarted).toEqual({ event: expect.objectContaining({ meterStopWh: 4200, energyWh: 4200 }), adjusted: [] });
    expect(validateEvent(Subjects.OcppTransactionStopped, 1, restarted.event)).toEqual({ ok: true, value: restarted.event });
  });

  it('adjusts what the contract cannot carry (negative registers, odd reasons, empty idTag) and says so', () => {
    const started = transactionStartedEvent({ ...start, meterStart: -1 });
    expect(started.event?.meterStartWh).toBe(0);
    expect(started.adjusted).toEqual(['meterStart -1 Wh is negative: published as 0']);
    const stopped = transactionStoppedEvent({ ...stop, idTag: '', meterStop: -5, reason: 'Deauthorized' });
    expect(stopped.event).toMatchObject({ meterStopWh: 0, reason: 'DeAuthorized' });
    expect(stopped.event).not.toHaveProperty('idTag', '');
    expect(stopped.adjusted).toHaveLength(2);
    expect(validateEvent(Subjects.OcppTransactionStarted, 1, started.event).ok).toBe(true);
    expect(validateEvent(Subjects.OcppTransactionStopped, 1, stopped.event).ok).toBe(true);
  });

  it('gives no event, with the reason, when nothing contract-valid can be built', () => {
    // Year 10000 is a valid Date but not an ISO-8601 timestamp the contract accepts.
    const built = transactionStoppedEvent({ ...stop, stoppedAt: new Date('+010000-01-01T00:00:00Z') });
    expect(built.event).toBeUndefined();
    expect(built.invalid).toContain('stoppedAt');
  });
});
