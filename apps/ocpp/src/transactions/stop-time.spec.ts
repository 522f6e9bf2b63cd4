import { stopTime } from './stop-time.js';

describe('stopTime', () => {
  const startedAt = new Date('2026-12-06T17:00:00Z');
  const receivedAt = new Date('2026-12-06T18:00:00Z');

  it('keeps a stop stamped at or after its start as sent', () => {
    expect(stopTime('2026-12-06T17:45:00Z', startedAt, receivedAt)).toEqual({ at: new Date('2026-12-06T17:45:00Z'), kept: undefined });
    expect(stopTime('2026-12-06T17:00:00Z', startedAt, receivedAt)).toEqual({ at: startedAt, kept: undefined });
  });

  it('stops a stop stamped before its start (a clock set back during the session) at its receipt, the stamp kept', () => {
    expect(stopTime('2026-12-06T16:59:59Z', startedAt, receivedAt)).toEqual({ at: receivedAt, kept: 'StopTransactionBeforeStart' });
  });

  it('never before the start: a start stamped a few minutes ahead (within the tolerance) stopped at once stops at the start', () => {
    const aheadStart = new Date(receivedAt.getTime() + 10 * 60_000);
    expect(stopTime('2026-12-06T17:59:00Z', aheadStart, receivedAt)).toEqual({ at: aheadStart, kept: 'StopTransactionBeforeStart' });
  });

  it('stops an unset clock and a stamp far ahead at the receipt, as before, kept under their own kinds', () => {
    expect(stopTime('1970-01-01T00:02:00Z', startedAt, receivedAt)).toEqual({ at: receivedAt, kept: 'StopTransactionUnsetClock' });
    expect(stopTime('2026-12-06T21:00:00Z', startedAt, receivedAt)).toEqual({ at: receivedAt, kept: 'StopTransactionClockAhead' });
  });

  it('stops a stop sent as it happened from a clock the connection found off (clockOffsetMs) at its corrected stamp, kept as sent for a retry received without the offset', () => {
    const behind = 2 * 3_600_000;
    expect(stopTime('2026-12-06T15:59:59Z', startedAt, receivedAt, behind)).toEqual({ at: new Date('2026-12-06T17:59:59Z'), kept: 'StopTransactionClockCorrected' });
    // Held longer than the correction's window: as without the offset.
    expect(stopTime('2026-12-06T15:00:00Z', startedAt, receivedAt, behind)).toEqual({ at: receivedAt, kept: 'StopTransactionBeforeStart' });
  });
});

describe('stopTime of a start taken at its stamp as sent (received before its connection established the clock offset)', () => {
  const behind = 3 * 3_600_000;
  // A clock three hours behind: the start arrived in the connection's first minute (no offset yet) and was taken at its stamp.
  const rawStart = new Date('2026-12-06T14:00:00Z');
  const receivedAt = new Date('2026-12-06T18:00:00Z');

  it('stops a stop the clock stamped after that start at its stamp as well: corrected, the session lasted 4 h (3 h more) and was billed so', () => {
    expect(stopTime('2026-12-06T14:59:59Z', rawStart, receivedAt, behind, true)).toEqual({ at: new Date('2026-12-06T14:59:59Z'), kept: undefined });
  });

  it('still corrects a stop stamped before that start (the clock was set back during the session) and one after a start not taken as sent', () => {
    const start = new Date('2026-12-06T17:00:00Z');
    expect(stopTime('2026-12-06T14:59:59Z', start, receivedAt, behind, true)).toEqual({ at: new Date('2026-12-06T17:59:59Z'), kept: 'StopTransactionClockCorrected' });
    expect(stopTime('2026-12-06T14:59:59Z', rawStart, receivedAt, behind, false)).toEqual({ at: new Date('2026-12-06T17:59:59Z'), kept: 'StopTransactionClockCorrected' });
  });
});
