import { mayBeResent, RESEND_CLOCK_SKEW_MS, RESEND_WINDOW_MS } from './resent-readings.js';

describe('mayBeResent (MeterValues checked against stored readings)', () => {
  const connectedAt = new Date('2026-12-07T10:00:00Z');
  const at = (offsetMs: number) => connectedAt.getTime() + offsetMs;
  /** Received right after the opening, where a resend comes. */
  const soon = new Date(at(2_000));

  it('checks a reading sampled before the connection opened: only an earlier connection could have sent it first', () => {
    expect(mayBeResent(at(-60_000), connectedAt, soon)).toBe(true);
    expect(mayBeResent(at(-1), connectedAt, soon)).toBe(true);
  });

  it('checks one stamped just after the opening too, for a charger clock a little ahead of ours', () => {
    expect(mayBeResent(at(RESEND_CLOCK_SKEW_MS - 1), connectedAt, soon)).toBe(true);
  });

  it('leaves readings sampled on this connection to the direct path (its own resends carry a remembered message id)', () => {
    expect(mayBeResent(at(RESEND_CLOCK_SKEW_MS), connectedAt, soon)).toBe(false);
    expect(mayBeResent(at(3_600_000), connectedAt, new Date(at(3_600_000)))).toBe(false);
  });

  it('leaves a message whose readings are all stored at receipt (no charger stamp: Infinity)', () => {
    expect(mayBeResent(Number.POSITIVE_INFINITY, connectedAt, soon)).toBe(false);
  });

  it('leaves a message received after the window from the opening: a resend is the first message of its new connection', () => {
    // A charger clock 2 hours behind stamps every reading before the opening: checked only at first, not for 2 hours.
    const received = new Date(connectedAt.getTime() + RESEND_WINDOW_MS);
    expect(mayBeResent(at(-2 * 3_600_000), connectedAt, received)).toBe(false);
    expect(mayBeResent(at(-2 * 3_600_000), connectedAt, new Date(received.getTime() - 1))).toBe(true);
  });
});

describe('mayBeResent after a Pending start (the window counts from the accepted boot)', () => {
  const connectedAt = new Date('2026-12-07T10:00:00Z');
  const at = (offsetMs: number) => connectedAt.getTime() + offsetMs;
  /** Pending for 15 minutes: no transaction messages until then (OCPP 1.6 §4.2.1). */
  const acceptedAt = new Date(at(15 * 60_000));

  it('checks the resend that comes once the station is accepted, past the window from the opening', () => {
    expect(mayBeResent(at(-60_000), connectedAt, new Date(acceptedAt.getTime() + 2_000), acceptedAt)).toBe(true);
    expect(mayBeResent(at(-60_000), connectedAt, new Date(acceptedAt.getTime() + RESEND_WINDOW_MS - 1), acceptedAt)).toBe(true);
    expect(mayBeResent(at(-60_000), connectedAt, new Date(acceptedAt.getTime() + RESEND_WINDOW_MS), acceptedAt)).toBe(false);
  });

  it('leaves a reading sampled after the opening unchecked: queued while Pending, it was never sent before', () => {
    expect(mayBeResent(at(5 * 60_000), connectedAt, new Date(acceptedAt.getTime() + 2_000), acceptedAt)).toBe(false);
  });

  it('an acceptance at or before the opening leaves the window at the opening', () => {
    const earlier = new Date(at(-3_600_000));
    expect(mayBeResent(at(-60_000), connectedAt, new Date(at(RESEND_WINDOW_MS)), earlier)).toBe(false);
    expect(mayBeResent(at(-60_000), connectedAt, new Date(at(RESEND_WINDOW_MS - 1)), earlier)).toBe(true);
  });
});
