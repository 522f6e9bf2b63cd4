import type { OcppCommandReply } from '@cpo/contracts';
import { lateAcceptance, lateAcceptCounts } from './late-accept.js';
import type { BuiltProfile } from './profile-builder.js';

const form = (limit: number): BuiltProfile =>
  ({
    connectorId: 1,
    profile: { chargingProfileId: 101, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit }] } },
  }) as unknown as BuiltProfile;
const timeout: OcppCommandReply = { status: 'error', code: 'Timeout', description: 'the charger did not answer SetChargingProfile in time' };

describe('a grid profile accepted after the timeout', () => {
  it('is news only as an acceptance: a late refusal or CallError confirms the failure', () => {
    expect(lateAcceptance({ status: 'ok', payload: { status: 'Accepted' } })).toBe(true);
    expect(lateAcceptance({ status: 'ok', payload: { status: 'Rejected' } })).toBe(false);
    expect(lateAcceptance({ status: 'error', code: 'InternalError', description: 'x' })).toBe(false);
  });

  it('counts for the row only when the send ended on that very form, left unanswered', () => {
    const sent = form(16);
    expect(lateAcceptCounts(sent, { form: sent, reply: timeout })).toBe(true);
    // A form the send went past (refused, then another form) or one nothing was recorded for.
    expect(lateAcceptCounts(sent, { form: form(16), reply: timeout })).toBe(false);
    expect(lateAcceptCounts(sent, undefined)).toBe(false);
  });

  it('not when the send was answered in time, never sent, or the socket went', () => {
    const sent = form(16);
    expect(lateAcceptCounts(sent, { form: sent, reply: { status: 'ok', payload: { status: 'Accepted' } } })).toBe(false);
    expect(lateAcceptCounts(sent, { form: sent, reply: { status: 'ok', payload: { status: 'Rejected' } } })).toBe(false);
    expect(lateAcceptCounts(sent, { form: sent, reply: { status: 'error', code: 'Offline', description: 'no socket' } })).toBe(false);
    expect(lateAcceptCounts(sent, { form: sent, reply: { status: 'error', code: 'InternalError', description: 'x' } })).toBe(false);
  });
});
