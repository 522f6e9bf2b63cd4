import { mayBeResent, RESEND_CLOCK_SKEW_MS } from './resent-readings.js';

describe('mayBeResent (MeterValues checked against stored readings)', () => {
  const connectedAt = new Date('2026-12-07T10:00:00Z');
  const at = (offsetMs: number) => connectedAt.getTime() + offsetMs;

  it('checks a reading sampled before the connection opened: only an earlier connection could have sent it first', () => {
    expect(mayBeResent(at(-60_000), connectedAt)).toBe(true);
    expect(mayBeResent(at(-1), connectedAt)).toBe(true);
  });

  it('checks one stamped just after the opening too, for a charger clock a little ahead of ours', () => {
    expect(mayBeResent(at(RESEND_CLOCK_SKEW_MS - 1), connectedAt)).toBe(true);
  });

  it('leaves readings sampled on this connection to the direct path (its own resends carry a remembered message id)', () => {
    expect(mayBeResent(at(RESEND_CLOCK_SKEW_MS), connectedAt)).toBe(false);
    expect(mayBeResent(at(3_600_000), connectedAt)).toBe(false);
  });

  it('leaves a message whose readings are all stored at receipt (no charger stamp: Infinity)', () => {
    expect(mayBeResent(Number.POSITIVE_INFINITY, connectedAt)).toBe(false);
  });
});
