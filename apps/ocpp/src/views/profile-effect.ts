/**
 * Whether the charging profile a charger last accepted still acts. The view's `state` says what
 * happened to our last SetChargingProfile (`applied`: the charger took it) and stays so after the
 * profile's schedule has run out, while the charger has long since fallen back to whatever lies
 * below it; an operator comparing "in effect vs desired" read such a profile as in force.
 */

/** The fields of an OCPP 1.6 ChargingProfile (as stored in `applied`) that bound when it acts. */
interface AppliedProfile {
  chargingProfileKind?: unknown;
  recurrencyKind?: unknown;
  validFrom?: unknown;
  validTo?: unknown;
  chargingSchedule?: { startSchedule?: unknown; duration?: unknown };
}

/** An instant given as a date-time string, or null (absent or unreadable: no bound). */
function instant(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** The tightest of the bounds given (null ones are none): `pick` = Math.min for ends, Math.max for starts. */
function tightest(pick: (a: number, b: number) => number, ...bounds: (number | null)[]): number | null {
  const known = bounds.filter((b): b is number => b !== null);
  return known.length ? known.reduce((a, b) => pick(a, b)) : null;
}

/**
 * When the profile starts and stops acting (ms since the epoch; null = no such bound). `validFrom`
 * / `validTo` bound every kind (OCPP 1.6 §7.7). The schedule's own start and `duration` do so only
 * where its start is an instant: an Absolute profile's `startSchedule`. A Recurring one repeats its
 * `duration` every day or week from its `startSchedule` (it starts there, never ends by duration;
 * between its windows it is not in effect, see withinRecurrence),
 * and a Relative one counts from a transaction's start, which the profile does not tell.
 */
export function profileWindow(applied: AppliedProfile): { from: number | null; until: number | null } {
  const kind = applied.chargingProfileKind;
  const start = kind === 'Relative' ? null : instant(applied.chargingSchedule?.startSchedule);
  const duration = applied.chargingSchedule?.duration;
  const scheduleEnd = kind === 'Absolute' && start !== null && typeof duration === 'number' ? start + duration * 1000 : null;
  return { from: tightest(Math.max, instant(applied.validFrom), start), until: tightest(Math.min, instant(applied.validTo), scheduleEnd) };
}

/**
 * The view's reading of a profile row at `now`: `inEffect`, whether the profile the charger holds
 * (`applied`, null once cleared) acts now (its start reached, its end not), and `appliedUntil`, when
 * it stops acting (null: no end, or nothing applied).
 */
export function profileEffect(applied: Record<string, unknown> | null, now: Date): { inEffect: boolean; appliedUntil: string | null } {
  if (applied === null) return { inEffect: false, appliedUntil: null };
  const { from, until } = profileWindow(applied as AppliedProfile);
  const at = now.getTime();
  const inEffect = (from === null || from <= at) && (until === null || at < until) && withinRecurrence(applied as AppliedProfile, at);
  return { inEffect, appliedUntil: until === null ? null : new Date(until).toISOString() };
}

const RECURRENCE_MS: Readonly<Record<string, number>> = { Daily: 86_400_000, Weekly: 604_800_000 };

/**
 * A Recurring profile acts for its `duration` from its `startSchedule` in every day or week, and not
 * in between (the charger falls back to what lies below it); without a duration, all the time.
 */
function withinRecurrence(applied: AppliedProfile, at: number): boolean {
  const period = applied.chargingProfileKind === 'Recurring' && typeof applied.recurrencyKind === 'string' ? RECURRENCE_MS[applied.recurrencyKind] : undefined;
  const start = instant(applied.chargingSchedule?.startSchedule);
  const duration = applied.chargingSchedule?.duration;
  if (period === undefined || start === null || typeof duration !== 'number' || at < start) return true;
  return (at - start) % period < duration * 1000;
}
