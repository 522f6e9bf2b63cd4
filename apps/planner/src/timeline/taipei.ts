/**
 * Asia/Taipei calendar helpers. Taiwan has used UTC+08:00 without DST since 1980, so a fixed
 * offset is exact and avoids depending on the host's tz database; everything else stays in UTC.
 */

/** Milliseconds in one hour. */
export const HOUR_MS = 3_600_000;
/** Milliseconds in one day. */
export const DAY_MS = 24 * HOUR_MS;
/** Asia/Taipei offset from UTC. */
export const TAIPEI_OFFSET_MS = 8 * HOUR_MS;

/** The Taipei calendar day (`YYYY-MM-DD`) containing the instant `ms`. */
export function taipeiDayOf(ms: number): string {
  return new Date(ms + TAIPEI_OFFSET_MS).toISOString().slice(0, 10);
}

/** The instant of 00:00 Asia/Taipei on `day` (`YYYY-MM-DD`). */
export function taipeiDayStartMs(day: string): number {
  const ms = Date.parse(`${day}T00:00:00.000+08:00`);
  if (Number.isNaN(ms)) throw new RangeError(`not a calendar day: ${day}`);
  return ms;
}

/** The instant of 00:00 Asia/Taipei of the day containing `ms`. */
export function taipeiMidnightBefore(ms: number): number {
  return Math.floor((ms + TAIPEI_OFFSET_MS) / DAY_MS) * DAY_MS - TAIPEI_OFFSET_MS;
}

/** The Taipei day after `day`. */
export function nextTaipeiDay(day: string): string {
  return taipeiDayOf(taipeiDayStartMs(day) + DAY_MS);
}

/** The Taipei hour (0–23) of the instant `ms`. */
export function taipeiHourOf(ms: number): number {
  return Math.floor((ms - taipeiMidnightBefore(ms)) / HOUR_MS);
}
