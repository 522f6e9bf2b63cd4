/**
 * The composite schedule of a connector (OCPP 1.6 §3.13): what the charger actually applies once
 * ChargePointMaxProfile, TxProfile and TxDefaultProfile, their stack levels, validity and kinds
 * are combined. The simulator drives its power from limitAt()/nextChangeAfter(), and answers
 * GetCompositeSchedule from compositeSchedule(), so both always agree.
 *
 * Choices where the spec is silent (documented in the report too):
 * - Relative profiles start at the transaction start; with no transaction at `from` (the start of
 *   the requested composite, i.e. "as if a transaction started now").
 * - Connector 0 reports the ChargePointMaxProfile only (the grid connection's cap).
 * - The Tx layer falls back per instant: TxProfile (only while a transaction runs and, if pinned,
 *   only for that transactionId) → connector-n TxDefaultProfile → connector-0 TxDefaultProfile.
 *   So a TxProfile whose `duration` ended hands over to the default, like a lower stack level.
 * - The hardware maximum always caps the result (a 63 A profile on a 32 A station yields 32 A).
 * - ChargePointMaxProfile caps all connectors combined; per connector we can only apply it as a
 *   cap (sharing it between connectors is the caller's business).
 */
import { changeCandidates, DAY_MS, oneOffInstants, profilePeriodAt, type ProfilePeriod, WEEK_MS } from './schedule.js';
import type {
  ChargingProfilePurpose,
  ChargingRateUnit,
  CompositeSchedule,
  CompositeSchedulePeriod,
  EffectiveLimit,
  EvaluationContext,
  CompositeScheduleInput,
  InstalledProfile,
} from './types.js';

/** Profiles relevant to one connector, grouped in the order they are consulted. */
interface Layers {
  readonly chargePointMax: readonly InstalledProfile[];
  /** Tried in order; the first group covering an instant wins. */
  readonly tx: readonly { purpose: ChargingProfilePurpose; profiles: readonly InstalledProfile[] }[];
}

function layersFor(ctx: EvaluationContext): Layers {
  const on = (connectorId: number, purpose: ChargingProfilePurpose): InstalledProfile[] =>
    ctx.profiles.filter((p) => p.connectorId === connectorId && p.profile.chargingProfilePurpose === purpose);
  const chargePointMax = on(0, 'ChargePointMaxProfile');
  if (ctx.connectorId === 0) return { chargePointMax, tx: [] };
  const tx = ctx.transaction;
  const txProfiles =
    tx === undefined
      ? []
      : on(ctx.connectorId, 'TxProfile').filter(
          (p) => p.profile.transactionId === undefined || tx.transactionId === undefined || p.profile.transactionId === tx.transactionId,
        );
  return {
    chargePointMax,
    tx: [
      { purpose: 'TxProfile', profiles: txProfiles },
      { purpose: 'TxDefaultProfile', profiles: on(ctx.connectorId, 'TxDefaultProfile') },
      { purpose: 'TxDefaultProfile', profiles: on(0, 'TxDefaultProfile') },
    ],
  };
}

function allProfiles(layers: Layers): InstalledProfile[] {
  return [...layers.chargePointMax, ...layers.tx.flatMap((group) => group.profiles)];
}

/**
 * Within one purpose: the covering profile with the highest stackLevel. Equal levels cannot come
 * out of ChargingProfileStore on one connector; for hand-built lists the later entry (the more
 * recently installed) wins.
 */
function topOfStack(profiles: readonly InstalledProfile[], t: number, anchor: number): ProfilePeriod | undefined {
  let best: { level: number; period: ProfilePeriod } | undefined;
  for (const { profile } of profiles) {
    const period = profilePeriodAt(profile, t, anchor);
    if (period !== undefined && (best === undefined || profile.stackLevel >= best.level)) {
      best = { level: profile.stackLevel, period };
    }
  }
  return best?.period;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** W = A × V × phases, with phases capped by what the station is wired for. */
function convert(period: ProfilePeriod, unit: ChargingRateUnit, voltageV: number, phases: number): number {
  if (period.unit === unit) return period.limit;
  return unit === 'W' ? period.limit * voltageV * phases : period.limit / (voltageV * phases);
}

function evaluate(ctx: EvaluationContext, layers: Layers, t: number, anchor: number): EffectiveLimit {
  const { voltageV, phases: stationPhases, maxCurrentA } = ctx.electrical;
  const clampPhases = (n: number): number => Math.min(stationPhases, Math.max(1, Math.round(n)));
  const applied: { source: ChargingProfilePurpose; period: ProfilePeriod }[] = [];
  for (const group of layers.tx) {
    const period = topOfStack(group.profiles, t, anchor);
    if (period !== undefined) {
      applied.push({ source: group.purpose, period });
      break;
    }
  }
  const cap = topOfStack(layers.chargePointMax, t, anchor);
  if (cap !== undefined) applied.push({ source: 'ChargePointMaxProfile', period: cap });

  // The most restrictive phase count wins: a 1-phase TxProfile under a 3-phase cap charges on 1.
  const numberPhases = Math.min(stationPhases, ...applied.map((a) => clampPhases(a.period.numberPhases)));
  const hardware = ctx.unit === 'A' ? maxCurrentA : maxCurrentA * voltageV * numberPhases;
  let best: { limit: number; source: EffectiveLimit['source'] } = { limit: hardware, source: 'hardware' };
  // Tx layer first, so on a tie the more specific profile is named as the source.
  for (const { source, period } of applied) {
    const limit = convert(period, ctx.unit, voltageV, clampPhases(period.numberPhases));
    if (limit < best.limit || (best.source === 'hardware' && limit === best.limit)) best = { limit, source };
  }
  return { limit: round1(best.limit), unit: ctx.unit, numberPhases, source: best.source };
}

function relativeAnchor(ctx: EvaluationContext, fallback: number): number {
  return (ctx.transaction?.startedAt ?? ctx.from)?.getTime() ?? fallback;
}

const sameLimit = (a: EffectiveLimit, b: EffectiveLimit): boolean => a.limit === b.limit && a.numberPhases === b.numberPhases;

/** The limit in force at `at`, for the simulator's power loop (`Current.Offered`/`Power.Offered`). */
export function limitAt(ctx: EvaluationContext, at: Date): EffectiveLimit {
  const t = at.getTime();
  return evaluate(ctx, layersFor(ctx), t, relativeAnchor(ctx, t));
}

/**
 * The first instant after `at` at which limitAt() gives a different limit or phase count, or
 * undefined if it never changes again. Lets the simulator set one timer instead of polling.
 * A change of `source` alone is not reported: it does not change what the station may draw.
 */
export function nextChangeAfter(ctx: EvaluationContext, at: Date): Date | undefined {
  const t0 = at.getTime();
  const anchor = relativeAnchor(ctx, t0);
  const layers = layersFor(ctx);
  const profiles = allProfiles(layers);
  const current = evaluate(ctx, layers, t0, anchor);
  const changesAt = (t: number): boolean => !sameLimit(evaluate(ctx, layers, t, anchor), current);
  const oneOffs = [...new Set(profiles.flatMap((p) => oneOffInstants(p.profile, anchor)))].filter((t) => t > t0).sort((a, b) => a - b);
  // Between two one-off instants the composite repeats with (at most) a week's period, so a week
  // plus slack without a change means none until the next one-off instant: jump there rather than
  // walk the weeks (a "forever" validTo of 9999 took 400,000 of them, seconds per call).
  let segmentStart = t0;
  for (let i = 0; ; i++) {
    const segmentEnd = oneOffs[i] ?? Number.POSITIVE_INFINITY;
    const hi = Math.min(segmentStart + WEEK_MS + DAY_MS, segmentEnd);
    const candidates = [...new Set(profiles.flatMap((p) => changeCandidates(p.profile, anchor, segmentStart, hi)))].sort((a, b) => a - b);
    for (const t of candidates) if (changesAt(t)) return new Date(t);
    if (segmentEnd === Number.POSITIVE_INFINITY) return undefined;
    if (changesAt(segmentEnd)) return new Date(segmentEnd);
    segmentStart = segmentEnd;
  }
}

/**
 * GetCompositeSchedule for `[from, from + durationS)`: consecutive equal periods are merged.
 * startPeriod is in whole seconds (OCPP integers); a change falling inside a second is reported
 * from the next whole second, evaluated there.
 */
export function compositeSchedule(input: CompositeScheduleInput): CompositeSchedule {
  const from = input.from.getTime();
  const end = from + input.durationS * 1000;
  const anchor = relativeAnchor(input, from);
  const layers = layersFor(input);
  const candidates = allProfiles(layers)
    .flatMap((p) => changeCandidates(p.profile, anchor, from, end))
    .filter((t) => t < end);
  const seconds = [...new Set([0, ...candidates.map((t) => Math.ceil((t - from) / 1000))])]
    .filter((s) => s < input.durationS || s === 0)
    .sort((a, b) => a - b);

  const periods: CompositeSchedulePeriod[] = [];
  let previous: EffectiveLimit | undefined;
  for (const startPeriod of seconds) {
    const limit = evaluate(input, layers, from + startPeriod * 1000, anchor);
    if (previous !== undefined && sameLimit(previous, limit)) continue;
    periods.push({ startPeriod, limit: limit.limit, numberPhases: limit.numberPhases });
    previous = limit;
  }
  const start = input.from.toISOString();
  return {
    connectorId: input.connectorId,
    scheduleStart: start,
    chargingSchedule: {
      duration: input.durationS,
      startSchedule: start,
      chargingRateUnit: input.unit,
      chargingSchedulePeriod: periods,
    },
  };
}
