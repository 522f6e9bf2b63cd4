import type { ConnectorLimit, LimitPeriod } from '@cpo/contracts';
import { convert, DEFAULT_NOMINAL_VOLTAGE, START_IN_PAST_MS } from './profile-builder.js';

/**
 * A connector's limit from a plan that starts ahead, as stored to be sent now. Its profile replaces
 * the one under the same fixed id on the charger at once (spec §3.13.2), so a schedule kept starting
 * at the plan's start would leave no limit under that id until then: a connector on the charger's
 * default (its hardware maximum), connector 0 without the fail-safe station cap. So the schedule
 * starts now and its first period carries the limit in force until the plan starts, then the plan's
 * own periods follow at their wall-clock times (on the plan's second grid, whole seconds earlier),
 * and its end (`durationS`, from `validUntil`) stays where it was.
 *
 * The bridge is the lowest limit the `previous` desired limit under that id (the plan it replaces,
 * as stored) sets between now and the plan's start: the planner counted on it until then, and a step
 * down it makes before the start is not skipped. One in the other unit is converted (its period's
 * phases, else 3, at `voltage`): the plan's lowest limit instead could be far above it (24 A at 3
 * phases under an 11 kW station cap) for the whole gap. Without one (none stored, ended before now)
 * it is the plan's own lowest limit: never above anything the plan allows. A plan that has begun,
 * or begins within the builder's minute (taken as begun there), is returned as it is.
 *
 * One period more: a charger holding fewer (`ChargingScheduleMaxPeriods`) gets the plan's last
 * periods merged at their lowest limit by the builder (lower, never above the plan, until the
 * bridge has passed and is dropped as elapsed) rather than the bridge dropped (the gap again) or
 * the plan refused (no limit at all).
 */
export function bridgedToStart(limit: ConnectorLimit, previous: ConnectorLimit | undefined, now: Date, voltage = DEFAULT_NOMINAL_VOLTAGE): ConnectorLimit {
  const schedule = limit.schedule;
  const startMs = Date.parse(schedule.startSchedule);
  if (Number.isNaN(startMs) || startMs <= now.getTime() + START_IN_PAST_MS) return limit;
  const gapS = Math.ceil((startMs - now.getTime()) / 1000);
  // Converted before compared: with their phases differing, the lower current can be the higher power.
  const held = previous === undefined ? undefined : lowestBetween(previous, now.getTime(), startMs, (p) => inUnit(p, previous.schedule.chargingRateUnit, schedule.chargingRateUnit, voltage));
  const bridge = held ?? schedule.periods.reduce((low, p) => (p.limit < low.limit ? p : low));
  const first: LimitPeriod = { startPeriodS: 0, limit: bridge.limit };
  if (bridge.numberPhases !== undefined) first.numberPhases = bridge.numberPhases;
  return {
    connectorId: limit.connectorId,
    schedule: {
      ...schedule,
      startSchedule: new Date(startMs - gapS * 1000).toISOString(),
      periods: [first, ...schedule.periods.map((p) => ({ ...p, startPeriodS: p.startPeriodS + gapS }))],
      ...(schedule.durationS === undefined ? {} : { durationS: schedule.durationS + gapS }),
    },
  };
}

/** `period` (a limit in `from`) in `to`: over its phases (3 when not given, OCPP 1.6's default) at `voltage`. */
function inUnit(period: LimitPeriod, from: 'A' | 'W', to: 'A' | 'W', voltage: number): LimitPeriod {
  return from === to ? period : { ...period, limit: convert(period.limit, from, to, period.numberPhases ?? 3, voltage) };
}

/** The period (`as` converts it) with the lowest limit `limit` sets at some instant in [fromMs, toMs), or undefined when it sets none there. */
function lowestBetween(limit: ConnectorLimit, fromMs: number, toMs: number, as: (p: LimitPeriod) => LimitPeriod): LimitPeriod | undefined {
  const startMs = Date.parse(limit.schedule.startSchedule);
  if (Number.isNaN(startMs)) return undefined;
  const endMs = limit.schedule.durationS === undefined ? Infinity : startMs + limit.schedule.durationS * 1000;
  const periods = limit.schedule.periods;
  let lowest: LimitPeriod | undefined;
  periods.forEach((original, i) => {
    const p = as(original);
    const from = Math.max(startMs + p.startPeriodS * 1000, fromMs);
    const next = periods[i + 1];
    const to = Math.min(next === undefined ? Infinity : startMs + next.startPeriodS * 1000, endMs, toMs);
    if (from < to && (lowest === undefined || p.limit < lowest.limit)) lowest = p;
  });
  return lowest;
}
