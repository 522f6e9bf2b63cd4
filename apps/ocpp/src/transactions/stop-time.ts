import { chargerTime } from '../time.js';
import { CLOCK_AHEAD_STOP, CLOCK_CORRECTED_STOP, STOP_BEFORE_START, UNSET_CLOCK_STOP } from './unset-clock.js';

/** A StopTransaction's time of record, and the kind it is kept as sent under when its stamp was not taken. */
export interface StopTime {
  at: Date;
  kept: typeof UNSET_CLOCK_STOP | typeof CLOCK_AHEAD_STOP | typeof STOP_BEFORE_START | typeof CLOCK_CORRECTED_STOP | undefined;
}

/**
 * The time of record of a stop of a transaction started at `startedAt`: its stamp, unless that is
 * no time (`chargerTime`: an unset clock, a clock far ahead) or before the start. A clock set back
 * during the session (corrected by NTP, or by our Heartbeat answer after running fast) stamps the
 * stop before the start; kept as sent, the session had a negative duration in the views, the
 * billing periods and the roaming CDR (the hub computes its periods from start and stop). The
 * receipt is the better figure (late by however long the charger held the stop), and never before
 * the start: a start stamped within the tolerance ahead (time.ts) may still lie after the receipt,
 * and a session then lasts no time rather than less. A stamp corrected by the connection's clock
 * offset (`clockOffsetMs`, time.ts) is that time, kept as sent too: a retry received without the
 * offset (another connection) is recognised by its stamp. `startAsSent`: the start was taken at its
 * stamp as sent (`stopClockOffset`).
 */
export function stopTime(raw: string, startedAt: Date, receivedAt: Date, clockOffsetMs?: number, startAsSent = false): StopTime {
  const stamp = chargerTime(raw, receivedAt, stopClockOffset(raw, startedAt, receivedAt, clockOffsetMs, startAsSent));
  const kept = stamp.unset ? UNSET_CLOCK_STOP : stamp.ahead ? CLOCK_AHEAD_STOP : stamp.at.getTime() < startedAt.getTime() ? STOP_BEFORE_START : undefined;
  if (kept === undefined && stamp.corrected) return { at: stamp.at, kept: CLOCK_CORRECTED_STOP };
  if (kept === undefined) return { at: stamp.at, kept };
  return { at: receivedAt.getTime() < startedAt.getTime() ? startedAt : receivedAt, kept };
}

/**
 * The clock offset a stop and its transactionData are corrected by: none when its start was taken
 * at its stamp as sent (`startAsSent`: received before its connection established the offset, or on
 * another connection) and the stop's own stamp, as sent, is at or after it and not ahead. Both are
 * then the same clock's, and the session lasts what that clock says; corrected, the stop alone moved
 * by the offset and a session stamped three hours behind was stored and billed three hours longer.
 * A stop stamped before such a start (the clock set back since) is corrected as any other.
 */
export function stopClockOffset(raw: string, startedAt: Date, receivedAt: Date, clockOffsetMs: number | undefined, startAsSent: boolean): number | undefined {
  if (clockOffsetMs === undefined || !startAsSent) return clockOffsetMs;
  const asSent = chargerTime(raw, receivedAt);
  return !asSent.unset && !asSent.ahead && asSent.at.getTime() >= startedAt.getTime() ? undefined : clockOffsetMs;
}
