/**
 * Station schedules from the per-step allocations, and the decision which of them to publish:
 * only what changed, decreases at once, increases after every pending decrease is acknowledged.
 */
import type { ConnectorLimit, LimitPeriod, StationLimitReason } from '@cpo/contracts';
import type { AllocationResult } from '../allocation/index.js';
import type { LimitSource } from '../timeline/index.js';
import type { StationModel } from '../topology/group-model.js';
import type { RoundInput, StationPublication } from './round-types.js';

/** The connector limits (A per phase) from one instant on, with the limit behind them. */
export interface StepValues {
  readonly atMs: number;
  readonly limitW: number;
  readonly source: LimitSource;
  /** By connector key; absent = no session (0). */
  readonly values: ReadonlyMap<string, number>;
  readonly allocation: AllocationResult;
}

const tenth = (v: number): number => Math.round(v * 10) / 10;

/** A station's schedules: connector 0 (the Max profile, the sum per phase) first, then each connector. */
export function stationSchedules(station: StationModel, steps: readonly StepValues[]): ConnectorLimit[] {
  // Whole seconds, so steps on the second grid (hours, quarter hours) get exact integer offsets.
  const startMs = Math.floor(steps[0].atMs / 1000) * 1000;
  const startSchedule = new Date(startMs).toISOString();
  const offsets = steps.map((s) => (s.atMs - startMs) / 1000);
  const perConnector = station.connectors.map((c) => ({
    connectorId: c.connectorId,
    phases: c.phases,
    values: steps.map((s) => tenth(s.values.get(`${station.stationId}/${c.connectorId}`) ?? 0)),
  }));
  const totals = steps.map((_, k) => {
    const perPhase = [0, 0, 0];
    for (const c of perConnector) {
      if (c.phases === 1) perPhase[0] += c.values[k];
      else for (let p = 0; p < 3; p++) perPhase[p] += c.values[k];
    }
    return tenth(Math.max(...perPhase));
  });
  const schedule = (values: number[], numberPhases: 1 | 3): ConnectorLimit['schedule'] => ({
    startSchedule,
    chargingRateUnit: 'A',
    periods: merge(offsets, values, numberPhases),
  });
  return [
    { connectorId: 0, schedule: schedule(totals, station.phases) },
    ...perConnector.map((c) => ({ connectorId: c.connectorId, schedule: schedule(c.values, c.phases) })),
  ];
}

/**
 * Periods with whole-second offsets: a step down is rounded earlier and a step up later, so the
 * charger is never above either limit while the exact instant falls between two seconds.
 */
function merge(offsets: readonly number[], values: readonly number[], numberPhases: 1 | 3): LimitPeriod[] {
  const periods: LimitPeriod[] = [];
  values.forEach((limit, k) => {
    const last = periods[periods.length - 1];
    if (last === undefined) {
      periods.push({ startPeriodS: 0, limit, numberPhases });
      return;
    }
    if (last.limit === limit) return;
    const startPeriodS = limit < last.limit ? Math.floor(offsets[k]) : Math.ceil(offsets[k]);
    if (startPeriodS <= last.startPeriodS) {
      // Two steps in the same second keep the lower value: never more than either allows.
      if (limit < last.limit) periods[periods.length - 1] = { ...last, limit };
      return;
    }
    periods.push({ startPeriodS, limit, numberPhases });
  });
  return periods;
}

/** The limit a schedule gives at instant `t` (the first period before its start). */
export function limitAt(limit: ConnectorLimit, t: number): number {
  const offsetS = (t - Date.parse(limit.schedule.startSchedule)) / 1000;
  let value = limit.schedule.periods[0].limit;
  for (const p of limit.schedule.periods) if (p.startPeriodS <= offsetS + 1e-9) value = p.limit;
  return value;
}

const periodStarts = (limits: readonly ConnectorLimit[]): number[] =>
  limits.flatMap((l) => l.schedule.periods.map((p) => Date.parse(l.schedule.startSchedule) + p.startPeriodS * 1000));

/** How a new schedule differs from the one published: not at all, or at which first instant and in which direction. */
export interface ScheduleDiff {
  readonly changed: boolean;
  readonly decrease: boolean;
  readonly firstChangeMs?: number;
  /** When the new plan first lowers a limit: a plan that lowers anything is named after that step. */
  readonly firstDecreaseMs?: number;
}

/**
 * Compares from `nowMs` on. An increase within the deadband is not a change (it would only cost a
 * message); any decrease is. A connector missing from the old plan counts as a decrease, because
 * the charger may be drawing anything there.
 */
export function diffSchedules(next: readonly ConnectorLimit[], old: readonly ConnectorLimit[], nowMs: number, options: { deadbandA: number; deadbandFraction: number }): ScheduleDiff {
  const oldById = new Map(old.map((l) => [l.connectorId, l]));
  const instants = [...new Set([nowMs, ...periodStarts(next), ...periodStarts(old)].filter((t) => t >= nowMs))].sort((a, b) => a - b);
  let firstChangeMs: number | undefined;
  let firstDecreaseMs: number | undefined;
  for (const t of instants) {
    for (const n of next) {
      const o = oldById.get(n.connectorId);
      const newValue = limitAt(n, t);
      const oldValue = o === undefined ? undefined : limitAt(o, t);
      let changedHere = false;
      if (oldValue === undefined || newValue < oldValue - 1e-6) {
        firstDecreaseMs ??= t;
        changedHere = true;
      } else if (newValue - oldValue >= Math.max(options.deadbandA, options.deadbandFraction * oldValue) - 1e-9 && newValue > oldValue + 1e-6) {
        changedHere = true;
      }
      if (changedHere && firstChangeMs === undefined) firstChangeMs = t;
    }
  }
  return { changed: firstChangeMs !== undefined, decrease: firstDecreaseMs !== undefined, firstChangeMs, firstDecreaseMs };
}

/** The plan reason for a change first visible at `atMs`. */
export function reasonAt(steps: readonly StepValues[], atMs: number, nowMs: number): StationLimitReason {
  let step = steps[0];
  for (const s of steps) if (s.atMs <= atMs) step = s;
  switch (step.source.kind) {
    case 'emergency':
      return 'emergency';
    case 'operator_cap':
      return 'operator_override';
    case 'fallback':
      return 'fallback';
    case 'day_ahead_assignment':
    case 'day_ahead_reply':
    case 'day_ahead_late':
      return atMs > nowMs ? 'day_ahead' : 'allocation';
    default:
      return 'allocation';
  }
}

/** Which controllable stations to publish now and which increases wait for decreases. */
export function buildPublications(
  input: RoundInput,
  steps: readonly StepValues[],
  uncontrolled: ReadonlyMap<string, string>,
  resend: ReadonlySet<string> = new Set(),
): { publications: StationPublication[]; deferred: string[] } {
  const candidates: StationPublication[] = [];
  for (const station of input.group.stations) {
    if (uncontrolled.has(station.stationId)) continue;
    const connectors = stationSchedules(station, steps);
    const old = input.published.get(station.stationId);
    // A plan refused or ignored is re-sent in full once the charger is tried again.
    // So is one a boot may have cleared that was not answered since (offline-grace.ts).
    const lost = old !== undefined && (old.failed || resend.has(station.stationId) || (old.unanswered && input.nowMs - old.createdAtMs > input.options.ackTimeoutMs));
    const diff: ScheduleDiff = old === undefined || lost ? { changed: true, decrease: true, firstChangeMs: input.nowMs } : diffSchedules(connectors, old.connectors, input.nowMs, input.options);
    if (!diff.changed) continue;
    candidates.push({
      stationId: station.stationId,
      reason: reasonAt(steps, diff.firstDecreaseMs ?? diff.firstChangeMs ?? input.nowMs, input.nowMs),
      direction: diff.decrease ? 'decrease' : 'increase',
      connectors,
    });
  }
  const holdIncreases = input.decreasesPending || candidates.some((c) => c.direction === 'decrease');
  const publications = candidates.filter((c) => c.direction === 'decrease' || !holdIncreases);
  const deferred = candidates.filter((c) => c.direction === 'increase' && holdIncreases).map((c) => c.stationId);
  return { publications, deferred };
}
