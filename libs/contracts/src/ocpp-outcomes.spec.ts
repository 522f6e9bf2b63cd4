import { Streams, streamForSubject } from './streams.js';
import { Subjects } from './subjects.js';
import { sampleEvents } from './testing/samples.js';
import { validateEvent } from './validate.js';

/** The late outcomes of operator commands (events/ocpp-outcomes.ts). */
const OUTCOME_SUBJECTS = [Subjects.OcppRemoteStartSettled, Subjects.OcppReservationUpdated, Subjects.OcppFirmwareStatus, Subjects.OcppDiagnosticsStatus] as const;

function reason(subject: (typeof OUTCOME_SUBJECTS)[number], payload: unknown): string {
  const result = validateEvent(subject, 1, payload);
  if (result.ok) throw new Error(`expected ${subject} payload to be rejected`);
  return result.reason;
}

describe('late outcomes of operator commands', () => {
  it.each(OUTCOME_SUBJECTS)('%s is captured by the OCPP stream', (subject) => {
    expect(streamForSubject(subject).name).toBe(Streams.OCPP.name);
  });

  describe('ocpp.remote-start.settled', () => {
    const subject = Subjects.OcppRemoteStartSettled;
    const started = sampleEvents[subject];

    it('needs the transactionId when Started', () => {
      const { transactionId: _dropped, ...payload } = started;
      expect(reason(subject, payload)).toBe('transactionId: a Started remote start names its transaction');
    });

    it('has no transactionId otherwise', () => {
      expect(reason(subject, { ...started, status: 'TimedOut' })).toBe('transactionId: only a Started remote start names a transaction');
      const { transactionId: _dropped, ...timedOut } = started;
      expect(validateEvent(subject, 1, { ...timedOut, status: 'TimedOut' }).ok).toBe(true);
    });

    it('says previousStatus only for a late Started after TimedOut', () => {
      expect(validateEvent(subject, 1, { ...started, previousStatus: 'TimedOut' }).ok).toBe(true);
      const { transactionId: _dropped, ...rejected } = started;
      expect(reason(subject, { ...rejected, status: 'Rejected', previousStatus: 'TimedOut' })).toBe('previousStatus: only a Started remote start revises an earlier outcome');
    });

    it('rejects a status that is not final', () => {
      expect(reason(subject, { ...started, status: 'Accepted' })).toMatch(/^status: Invalid option/);
    });
  });

  describe('ocpp.reservation.updated', () => {
    const subject = Subjects.OcppReservationUpdated;
    const used = sampleEvents[subject];

    it('needs the transactionId when Used, and only then', () => {
      const { transactionId: _dropped, ...payload } = used;
      expect(reason(subject, payload)).toBe('transactionId: a Used reservation names the transaction that used it');
      expect(reason(subject, { ...used, status: 'Cancelled' })).toBe('transactionId: only a Used reservation names a transaction');
      expect(validateEvent(subject, 1, { ...payload, status: 'Occupied' }).ok).toBe(true);
    });

    it('does not publish Expired (computed from expiryDate) nor Requested (not an outcome)', () => {
      const { transactionId: _dropped, ...payload } = used;
      expect(reason(subject, { ...payload, status: 'Expired' })).toMatch(/^status: Invalid option/);
      expect(reason(subject, { ...payload, status: 'Requested' })).toMatch(/^status: Invalid option/);
    });
  });

  describe('ocpp.firmware.status', () => {
    const subject = Subjects.OcppFirmwareStatus;

    it('accepts the security extension statuses with their requestId', () => {
      expect(validateEvent(subject, 1, { ...sampleEvents[subject], status: 'SignatureVerified', requestId: 7 }).ok).toBe(true);
    });

    it('rejects a status outside OCPP 1.6 and its security extension', () => {
      expect(reason(subject, { ...sampleEvents[subject], status: 'Rebooting' })).toMatch(/^status: Invalid option/);
    });

    it('marks an Installed inferred from a boot, and nothing else', () => {
      expect(validateEvent(subject, 1, { ...sampleEvents[subject], status: 'Installed', inferredFromBoot: true }).ok).toBe(true);
      expect(reason(subject, { ...sampleEvents[subject], status: 'Installing', inferredFromBoot: true })).toBe('inferredFromBoot: only Installed is inferred from a boot');
    });
  });

  describe('ocpp.diagnostics.status', () => {
    it('rejects a firmware status', () => {
      expect(reason(Subjects.OcppDiagnosticsStatus, { ...sampleEvents[Subjects.OcppDiagnosticsStatus], status: 'Installed' })).toMatch(/^status: Invalid option/);
    });
  });
});
