/**
 * Evaluation of ONE charging profile on a timeline (OCPP 1.6 §3.13): which period applies at an
 * instant, and at which instants that can change. Combining profiles lives in composite.ts.
 * All instants are epoch milliseconds.
 */
import { parseDateTimeMs } from '../../date-time.js';
import type { ChargingProfile, ChargingRateUnit } from './types.js';

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/**
 * Epoch ms of an OCPP dateTime; undefined when absent or unparseable. Not Date.parse: it refuses
 * schema-valid leap seconds and `+hh` offsets, and reads a zone-less time in the host's zone
 * (a profile that reached us under a lenient policy is read as UTC instead, guide §1.10).
 */
export function isoToMs(iso: string | undefined): number | undefined {
  return iso === undefined ? undefined : parseDateTimeMs(iso, { missingZone: 'utc' });
}

/** The period a profile imposes at an instant, in the profile's own unit. */
export interface ProfilePeriod {
  readonly limit: number;
  readonly unit: ChargingRateUnit;
  /** The period's numberPhases, 3 when absent (OCPP 1.6 §7.13). */
  readonly numberPhases: number;
}

function recurrenceMs(profile: ChargingProfile): number | undefined {
  if (profile.recurrencyKind === 'Daily') return DAY_MS;
  if (profile.recurrencyKind === 'Weekly') return WEEK_MS;
  return undefined;
}

/**
 * Start of the schedule occurrence that governs `t`.
 * - Absolute: `startSchedule`.
 * - Relative: `relativeAnchor` (the transaction start, chosen by the caller).
 * - Recurring: the latest `startSchedule + k × (24 h | 7 d)` not after `t`; before the first
 *   occurrence the profile has not started yet (it "repeats from" startSchedule, ocpp16.md §2.6).
 *   Only the latest occurrence counts, so a duration longer than the recurrence is cut by the next
 *   occurrence instead of overlapping it.
 */
function occurrenceStart(profile: ChargingProfile, t: number, relativeAnchor: number): number | undefined {
  switch (profile.chargingProfileKind) {
    case 'Absolute':
      return isoToMs(profile.chargingSchedule.startSchedule);
    case 'Relative':
      return relativeAnchor;
    case 'Recurring': {
      const base = isoToMs(profile.chargingSchedule.startSchedule);
      const every = recurrenceMs(profile);
      if (base === undefined || every === undefined) return undefined;
      if (t < base) return base;
      return base + Math.floor((t - base) / every) * every;
    }
  }
}

/** Whether `t` lies in [validFrom, validTo): validTo is the first instant it no longer applies. */
function isValidAt(profile: ChargingProfile, t: number): boolean {
  const from = isoToMs(profile.validFrom);
  const to = isoToMs(profile.validTo);
  return (from === undefined || t >= from) && (to === undefined || t < to);
}

/**
 * The period of `profile` in force at `t`, or undefined when the profile does not cover `t`
 * (not valid, not started, or past its `duration`). Without `duration` the last period holds
 * forever, which is why such a profile never lets lower stack levels through.
 */
export function profilePeriodAt(profile: ChargingProfile, t: number, relativeAnchor: number): ProfilePeriod | undefined {
  if (!isValidAt(profile, t)) return undefined;
  const start = occurrenceStart(profile, t, relativeAnchor);
  if (start === undefined) return undefined;
  const offsetMs = t - start;
  if (offsetMs < 0) return undefined;
  const { duration, chargingSchedulePeriod, chargingRateUnit } = profile.chargingSchedule;
  // Periods past `duration` are ignored; a `duration` past the periods keeps the last one.
  if (duration !== undefined && offsetMs >= duration * 1000) return undefined;
  let current: (typeof chargingSchedulePeriod)[number] | undefined;
  for (const period of chargingSchedulePeriod) {
    if (period.startPeriod * 1000 <= offsetMs) current = period;
    else break; // periods are sorted (checked at install)
  }
  if (current === undefined) return undefined;
  return { limit: current.limit, unit: chargingRateUnit, numberPhases: current.numberPhases ?? 3 };
}

/** Offsets (ms from an occurrence start) at which the profile's value can change. */
function offsetsMs(profile: ChargingProfile): number[] {
  const { duration, chargingSchedulePeriod } = profile.chargingSchedule;
  const offsets = chargingSchedulePeriod.map((p) => p.startPeriod * 1000);
  if (duration !== undefined) offsets.push(duration * 1000);
  return offsets;
}

/**
 * Every instant in (lo, hi] at which this profile's contribution may change. Between two
 * consecutive candidates the whole composite is constant, so evaluating at each candidate is
 * enough to build the composite schedule. Candidates may be redundant (the value need not change).
 */
export function changeCandidates(profile: ChargingProfile, relativeAnchor: number, lo: number, hi: number): number[] {
  const out: number[] = [];
  const push = (t: number | undefined): void => {
    if (t !== undefined && t > lo && t <= hi) out.push(t);
  };
  push(isoToMs(profile.validFrom));
  push(isoToMs(profile.validTo));
  const offsets = offsetsMs(profile);
  const occurrences: number[] = [];
  if (profile.chargingProfileKind === 'Recurring') {
    const base = isoToMs(profile.chargingSchedule.startSchedule);
    const every = recurrenceMs(profile);
    if (base !== undefined && every !== undefined) {
      // Start one occurrence early: its later offsets may still fall inside the window.
      const first = Math.max(0, Math.floor((lo - base) / every) - 1);
      for (let k = first; base + k * every <= hi; k++) occurrences.push(base + k * every);
    }
  } else {
    const start = occurrenceStart(profile, lo, relativeAnchor);
    if (start !== undefined) occurrences.push(start);
  }
  for (const start of occurrences) for (const offset of offsets) push(start + offset);
  return out;
}

/**
 * The instants at which the profile can change for a non-periodic reason (validity bounds, one-shot
 * schedules, the first recurrence). Between two of them every change repeats at least weekly,
 * which bounds the look-ahead of nextChangeAfter().
 */
export function oneOffInstants(profile: ChargingProfile, relativeAnchor: number): number[] {
  const instants = [isoToMs(profile.validFrom), isoToMs(profile.validTo)];
  const start =
    profile.chargingProfileKind === 'Relative' ? relativeAnchor : isoToMs(profile.chargingSchedule.startSchedule);
  if (start !== undefined) {
    instants.push(start);
    if (profile.chargingProfileKind !== 'Recurring') for (const offset of offsetsMs(profile)) instants.push(start + offset);
  }
  return instants.filter((t): t is number => t !== undefined);
}
