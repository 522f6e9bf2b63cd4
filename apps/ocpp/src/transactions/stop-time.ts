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
 * offset (another connection) is recognised by its stamp.
 */
export function stopTime(raw: string, startedAt: Date, receivedAt: Date, clockOffsetMs?: number): StopTime {
  const stamp = chargerTime(raw, receivedAt, clockOffsetMs);
  const kept = stamp.unset ? UNSET_CLOCK_STOP : stamp.ahead ? CLOCK_AHEAD_STOP : stamp.at.getTime() < startedAt.getTime() ? STOP_BEFORE_START : undefined;
  if (kept === undefined && stamp.corrected) return { at: stamp.at, kept: CLOCK_CORRECTED_STOP };
  if (kept === undefined) return { at: stamp.at, kept };
  return { at: receivedAt.getTime() < startedAt.getTime() ? startedAt : receivedAt, kept };
}
