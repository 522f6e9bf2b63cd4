import { parseDateTimeMs } from '@cpo/ocpp-protocol';
import { ValidationError } from '@cpo/platform';

/**
 * Parses an OCPP `dateTime` with the validator's own definition (so whatever passed validation is
 * read: a leap second, a `+02` offset), lenient on the zone: chargers in the field omit the `Z`
 * (guide §1.10), and a timestamp without one is taken as UTC rather than refused or read in the
 * server's zone.
 */
export function parseOcppTime(text: string): Date {
  const ms = parseDateTimeMs(text, { missingZone: 'utc' });
  if (ms === undefined) throw new ValidationError(`not a date-time: ${JSON.stringify(text)}`);
  return new Date(ms);
}

/**
 * Charger timestamps before this are an unset clock, not a time. A charger without a clock battery
 * comes back from a power loss at the Unix epoch (1970-01-01) or its RTC's default (2000-01-01) and
 * stamps its messages so until it sets its clock from a BootNotification or Heartbeat answer; some
 * never do, and what it queued offline before that keeps those stamps. OCPP 1.6 dates from 2015 and
 * no charger reported a real event before 2010, so anything earlier says only "clock not set".
 * The one threshold for every charger message (statuses, transactions, meter values).
 */
export const UNSET_CLOCK_BEFORE = new Date('2010-01-01T00:00:00Z');

export function isUnsetClock(at: Date): boolean {
  return at.getTime() < UNSET_CLOCK_BEFORE.getTime();
}

/**
 * How far ahead of its receipt a charger's stamp may be and still be its time. A clock set from our
 * BootNotification and Heartbeat answers drifts by seconds, an unsynchronised one by minutes; one
 * ahead by more is no drift but a wrong clock: a local time sent without its zone and read as UTC
 * (guide §1.10) is 30 minutes to hours ahead east of Greenwich. The guide sets no figure: 15
 * minutes is above any drift between daily Heartbeats and below the smallest zone offset.
 */
export const AHEAD_TOLERANCE_MS = 15 * 60_000;

/**
 * A charger message's time of record, and why its own stamp was not taken (then the receipt time):
 * `unset` its clock was unset, `ahead` its stamp lay beyond AHEAD_TOLERANCE_MS after the receipt.
 */
export interface ChargerTime {
  at: Date;
  unset: boolean;
  ahead: boolean;
  /** Set (true) when the time is the stamp corrected by the connection's clock offset (`clockOffsetMs`). */
  corrected?: true;
}

/**
 * How long after the time its stamp and the clock offset give a message may arrive and still have
 * that time corrected: a message sent as it happened, or held briefly by the charger (behind its
 * own send queue). One held longer may date from before its clock was last changed: kept as it is.
 */
export const CORRECTED_WITHIN_MS = 5 * 60_000;
/** How far before that time it may arrive (the estimate is the smallest offset seen, within a few seconds). */
const CORRECTED_EARLY_MS = 5_000;

/**
 * The time of record of a charger's `timestamp`: the time it says, unless its clock was unset
 * ({@link UNSET_CLOCK_BEFORE}) or it lies in the future ({@link AHEAD_TOLERANCE_MS}); then the
 * receipt time, as for a message sent without one. Kept as sent, a 1970 stamp made a session 56
 * years long (the roaming CDR's total and parking time, a time-based tariff), put readings where no
 * "latest" query finds them and filtered the session out of every recent time range; a stamp hours
 * ahead started a session in the future, hid it from every time range until then and, stopped by a
 * clock corrected meanwhile, gave it a negative duration. Receipt time is late by however long the
 * charger held the message, but it is in arrival order, which for one charger is the order of
 * events (guide §1.7). With the connection's clock offset (`clockOffsetMs`), a stamp that arrived
 * as sent is the stamp corrected by it (`correctedTime`), however far off the clock is.
 */
export function chargerTime(raw: string, receivedAt: Date, clockOffsetMs?: number): ChargerTime {
  const sent = parseOcppTime(raw);
  if (isUnsetClock(sent)) return { at: receivedAt, unset: true, ahead: false };
  if (clockOffsetMs !== undefined) {
    const at = correctedTime(sent.getTime(), receivedAt.getTime(), clockOffsetMs);
    if (at !== undefined) return { at: new Date(at), unset: false, ahead: false, corrected: true };
  }
  if (sent.getTime() > receivedAt.getTime() + AHEAD_TOLERANCE_MS) return { at: receivedAt, unset: false, ahead: true };
  return { at: sent, unset: false, ahead: false };
}

/**
 * The time (ms) of a stamp from a clock off ours by `clockOffsetMs` (receipt − stamp, established by
 * the connection: connection/clock-offset.ts), when its message arrived within CORRECTED_WITHIN_MS
 * of that time: the stamp moved by the offset, never after the receipt. Otherwise undefined.
 * Taken as it was sent, a clock hours behind (a local time sent with `Z` west of Greenwich) put a
 * start hours early: corrected by NTP during the session, its stop stamped right made the session
 * hours long (billed so in the roaming CDR); and a remote start's StartTransaction seemed sent
 * before our request and was not linked to it. A stamp held longer keeps its own time: the clock
 * may have been changed since it was made.
 */
export function correctedTime(stampMs: number, receivedMs: number, clockOffsetMs: number): number | undefined {
  const at = stampMs + clockOffsetMs;
  const late = receivedMs - at;
  return late >= -CORRECTED_EARLY_MS && late <= CORRECTED_WITHIN_MS ? Math.min(at, receivedMs) : undefined;
}

/**
 * A StatusNotification's time of record and its basis. `byReceipt` false: the charger's own stamp,
 * ordered against other stamps only (connector-status.statement.ts); true: the receipt time, for a
 * status sent without a stamp (`why` none) or with one that is no time (`unset`, before 2010) or
 * not yet one (`ahead` of its receipt: compared as sent, every later status looked older).
 */
export interface StatusTime {
  at: Date;
  byReceipt: boolean;
  why?: 'none' | 'unset' | 'ahead';
}

export function statusTime(raw: string | undefined, receivedAt: Date): StatusTime {
  if (!raw) return { at: receivedAt, byReceipt: true, why: 'none' };
  const sent = parseOcppTime(raw);
  if (sent.getTime() > receivedAt.getTime()) return { at: receivedAt, byReceipt: true, why: 'ahead' };
  if (isUnsetClock(sent)) return { at: receivedAt, byReceipt: true, why: 'unset' };
  return { at: sent, byReceipt: false };
}
