/**
 * Asia/Taipei calendar helpers. Taiwan has used UTC+08:00 without DST since 1980, so a fixed
 * offset is exact and needs no time-zone database. Every rule that talks about "today",
 * "tomorrow" or a cut-off time takes the current instant from an injectable {@link Clock}, so
 * tests can walk the daily timeline across midnight.
 */

/** The source of "now". Services inject one; tests use {@link ManualClock}. */
export interface Clock {
  now(): Date;
}

/** The real wall clock. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock tests set and advance by hand. */
export class ManualClock implements Clock {
  private ms: number;
  constructor(start: Date | string | number) {
    this.ms = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.ms);
  }
  set(at: Date | string | number): void {
    this.ms = new Date(at).getTime();
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export const TAIPEI_OFFSET_MS = 8 * 3_600_000;
export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;
const DAY_MS = 24 * HOUR_MS;

/** The Taipei calendar date (`YYYY-MM-DD`) of an instant. */
export function taipeiDate(at: Date | number): string {
  return new Date(new Date(at).getTime() + TAIPEI_OFFSET_MS).toISOString().slice(0, 10);
}

/** The instant (epoch ms) of 00:00 Asia/Taipei on `date` (`YYYY-MM-DD`). */
export function taipeiMidnightMs(date: string): number {
  const ms = Date.parse(`${date}T00:00:00.000+08:00`);
  if (!Number.isFinite(ms) || taipeiDate(ms) !== date) throw new RangeError(`not a calendar date: ${JSON.stringify(date)}`);
  return ms;
}

/** `date` plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  return taipeiDate(taipeiMidnightMs(date) + days * DAY_MS);
}

/** Today's Taipei date at `now`. */
export function taipeiToday(now: Date): string {
  return taipeiDate(now);
}

/** Tomorrow's Taipei date at `now`. */
export function taipeiTomorrow(now: Date): string {
  return addDays(taipeiDate(now), 1);
}

/** Minutes since Taipei midnight at `now` (0…1439). */
export function taipeiMinuteOfDay(now: Date): number {
  return Math.floor(((now.getTime() + TAIPEI_OFFSET_MS) % DAY_MS) / MINUTE_MS);
}

/** Parses `HH:MM` into minutes since midnight. */
export function parseTimeOfDay(hhmm: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new RangeError(`expected HH:MM, got ${JSON.stringify(hhmm)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** The instant of `hhmm` Asia/Taipei on `date`. */
export function taipeiAt(date: string, hhmm: string): Date {
  return new Date(taipeiMidnightMs(date) + parseTimeOfDay(hhmm) * MINUTE_MS);
}

/**
 * Formats an instant the way ELMO does: Taipei wall time with milliseconds and an explicit
 * offset, e.g. `2024-10-01T00:00:00.000+08:00`.
 */
export function formatTaipei(at: Date | number): string {
  const shifted = new Date(new Date(at).getTime() + TAIPEI_OFFSET_MS);
  return `${shifted.toISOString().slice(0, 23)}+08:00`;
}

/** The start of the minute containing `at` (epoch ms). */
export function floorMinute(at: Date | number): number {
  const ms = new Date(at).getTime();
  return ms - (((ms % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);
}

/** The 24 hourly `[start, end)` intervals of a Taipei day, as epoch ms. */
export function taipeiDayHours(date: string): { startMs: number; endMs: number }[] {
  const start = taipeiMidnightMs(date);
  return Array.from({ length: 24 }, (_, h) => ({ startMs: start + h * HOUR_MS, endMs: start + (h + 1) * HOUR_MS }));
}
