import type { ConnectorLimit } from '@cpo/contracts';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import type { StationCapabilities } from '../stations/capabilities.js';

type ChargingProfile = Ocpp16.SetChargingProfileRequest['csChargingProfiles'];
type Period = ChargingProfile['chargingSchedule']['chargingSchedulePeriod'][number];

/** Fixed ids, so a new plan replaces the installed profile in place instead of piling up (guide §3.3). */
export const STATION_CAP_PROFILE_ID = 1;
export const connectorProfileId = (connectorId: number) => 100 + connectorId;
/** Used when a charger refuses ChargePointMaxProfile: the cap emulated on connector 0's TxDefaultProfile. */
export const EMULATED_CAP_PROFILE_ID = 99;
/** The level-0 fallback under a leased connector profile (guide §3.3). */
export const leaseFallbackProfileId = (connectorId: number) => 200 + connectorId;
/** The TxProfile that carries a connector's limit into its running transaction, for chargers that apply TxDefaultProfile to new ones only. */
export const runningTransactionProfileId = (connectorId: number) => 300 + connectorId;

/**
 * Whether the platform installs profiles under `id` (any station, any connector): 1, 99 and 100+n,
 * 200+n, 300+n for connectors 1–99. A profile of someone else under one of these ids replaces ours
 * on the charger (same id = replacement, spec §3.13.2), and ours replaces theirs at the next plan.
 */
export function isManagedProfileId(id: unknown): boolean {
  return typeof id === 'number' && (id === STATION_CAP_PROFILE_ID || id === EMULATED_CAP_PROFILE_ID || (id > 100 && id < 400 && id % 100 !== 0));
}

/** Start a refreshed schedule this far in the past: some chargers apply a profile only once its start has passed. */
export const START_IN_PAST_MS = 60_000;
/** Default phase-neutral voltage for A ↔ W when the charger only takes the other unit (Taiwan: 220 V, set OCPP_NOMINAL_VOLTAGE_V). */
export const DEFAULT_NOMINAL_VOLTAGE = 230;
/** IEC 61851 pilot minimum: an AC charger cannot go between 0 and 6 A. */
export const MIN_AC_CURRENT_A = 6;

export interface BuiltProfile {
  connectorId: number;
  profile: ChargingProfile;
}

/**
 * Turns a planned connector limit into the SetChargingProfile a real charger takes: connector 0 as
 * the station's ChargePointMaxProfile, connectors as TxDefaultProfile under fixed ids; Absolute,
 * started a minute in the past when the plan has begun or begins within a minute (elapsed periods dropped); limits rounded
 * down (never above the plan) to one decimal in A or whole watts; the unit the charger allows; at
 * most its number of periods.
 */
export function buildProfile(limit: ConnectorLimit, caps: StationCapabilities, now: Date, voltage = DEFAULT_NOMINAL_VOLTAGE, leaseS = 0): BuiltProfile {
  const schedule = limit.schedule;
  const toUnit = chooseUnit(schedule.chargingRateUnit, caps.allowedChargingRateUnits);
  let start = new Date(schedule.startSchedule);
  let periods = schedule.periods.map((p) => ({ ...p }));
  let durationS = schedule.durationS;

  const earliest = now.getTime() - START_IN_PAST_MS;
  // A start less than a minute ahead is taken as begun: this profile replaces the one under its id
  // at once, so until a start kept there would be no limit under this id at all (no station cap for
  // connector 0), and longer on a charger whose clock is behind; it is clock skew (the planner
  // starts a plan at the time it makes it), the first limit a few seconds early is no risk.
  if (start.getTime() <= now.getTime() + START_IN_PAST_MS) {
    // The plan has begun: restart its schedule a minute before now (a charger whose clock is behind
    // ours must see it in force already), on the plan's own second grid (re-anchoring exactly at
    // now − 60 s would move every later step up to 1 s late): `shiftS` whole seconds later, the
    // largest shift that is not after now − 60 s.
    const shiftS = Math.floor((earliest - start.getTime()) / 1000);
    if (shiftS >= 0) {
      // Drop the periods that have ended; the one in force starts the new schedule.
      const activeIndex = periods.reduce((found, p, i) => (p.startPeriodS <= shiftS ? i : found), 0);
      periods = periods.slice(activeIndex).map((p, i) => ({ ...p, startPeriodS: i === 0 ? 0 : p.startPeriodS - shiftS }));
    } else {
      // Begun less than a minute ago: its first period reaches back to the new start (that time has passed).
      periods = periods.map((p, i) => ({ ...p, startPeriodS: i === 0 ? 0 : p.startPeriodS - shiftS }));
    }
    if (durationS !== undefined) durationS = Math.max(1, durationS - shiftS);
    start = new Date(start.getTime() + shiftS * 1000);
  }
  let converted: Period[] = periods.map((p) => {
    const phases = p.numberPhases ?? 3;
    const period: Period = { startPeriod: p.startPeriodS, limit: limitIn(p.limit, schedule.chargingRateUnit, toUnit, phases, voltage) };
    if (p.numberPhases !== undefined) period.numberPhases = p.numberPhases;
    return period;
  });
  const maxPeriods = caps.chargingScheduleMaxPeriods ?? Infinity;
  if (converted.length > maxPeriods) {
    // The last period the charger can hold covers all later ones: cutting the schedule short would
    // leave its last value in force through lower limits we know of.
    const keep = Math.max(1, maxPeriods);
    converted = [...converted.slice(0, keep - 1), mergedPeriod(converted.slice(keep - 1), toUnit)];
  }

  const isStation = limit.connectorId === 0;
  const stackLevel = isStation || caps.onlyStackLevelZero || (caps.chargeProfileMaxStackLevel ?? 0) < 1 ? 0 : 1;
  const chargingSchedule: ChargingProfile['chargingSchedule'] = {
    chargingRateUnit: toUnit,
    startSchedule: start.toISOString(),
    chargingSchedulePeriod: converted,
  };
  if (leaseS > 0 && stackLevel === 1 && !isStation) {
    // Lasts until `leaseS` from now unless renewed (the schedule starts before now), or the plan's own
    // end if sooner. A schedule starting later gets its lease from its start: an end before the start
    // would be a negative duration, and the level-0 fallback holds until then anyway.
    const leaseFromStartS = Math.ceil((Math.max(now.getTime(), start.getTime()) + leaseS * 1000 - start.getTime()) / 1000);
    durationS = Math.min(durationS ?? Infinity, leaseFromStartS);
  }
  if (durationS !== undefined) chargingSchedule.duration = durationS;
  if (schedule.minChargingRate !== undefined) {
    // Converted on the phases of the period in force at the schedule's start, like that period's
    // limit: at 3 phases, a single-phase car's 6 A minimum became 4,140 W instead of 1,380 W.
    chargingSchedule.minChargingRate = roundDown(convert(schedule.minChargingRate, schedule.chargingRateUnit, toUnit, periods[0]?.numberPhases ?? 3, voltage), toUnit);
  }
  return {
    connectorId: limit.connectorId,
    profile: {
      chargingProfileId: isStation ? STATION_CAP_PROFILE_ID : connectorProfileId(limit.connectorId),
      stackLevel,
      chargingProfilePurpose: isStation ? 'ChargePointMaxProfile' : 'TxDefaultProfile',
      chargingProfileKind: 'Absolute',
      chargingSchedule,
    },
  };
}

/**
 * One period in place of `tail` (in the unit sent), never above any of them: the fewest phases any
 * allows, and per phase the lowest amount any allows per phase. Merged on the limit alone, periods
 * of differing phases let more through than the plan: 16 A at 3 phases over 20 A at 1 phase kept
 * 3 phases (11 kW where the plan allowed 4.6 kW), and in W a 1-phase period's 7 kW over a 3-phase
 * 5 kW sent 5 kW down one phase. A limit in A is per phase already; one in W is over the phases.
 */
function mergedPeriod(tail: readonly Period[], unit: 'A' | 'W'): Period {
  const phasesOf = (p: Period) => p.numberPhases ?? 3;
  const phases = Math.min(...tail.map(phasesOf));
  const perPhase = Math.min(...tail.map((p) => (unit === 'A' ? p.limit : p.limit / phasesOf(p))));
  const merged: Period = { startPeriod: tail[0]!.startPeriod, limit: roundDown(unit === 'A' ? perPhase : perPhase * phases, unit) };
  if (tail.some((p) => p.numberPhases !== undefined)) merged.numberPhases = phases;
  return merged;
}

/**
 * What a connector falls back to when its leased profile lapses: a TxDefaultProfile at stack level 0
 * under its own fixed id, `fallbackA` per phase, no end. In W (chargers that only take W) at the
 * connector's `phases` (those of its planned schedule): at 3 phases a single-phase connector would
 * be allowed three times the fallback current on its one phase.
 */
export function buildLeaseFallback(connectorId: number, caps: StationCapabilities, now: Date, fallbackA: number, voltage = DEFAULT_NOMINAL_VOLTAGE, phases = 3): BuiltProfile {
  const unit = chooseUnit('A', caps.allowedChargingRateUnits);
  const period: Period = { startPeriod: 0, limit: limitIn(fallbackA, 'A', unit, phases, voltage) };
  if (phases !== 3) period.numberPhases = phases;
  return {
    connectorId,
    profile: {
      chargingProfileId: leaseFallbackProfileId(connectorId),
      stackLevel: 0,
      chargingProfilePurpose: 'TxDefaultProfile',
      chargingProfileKind: 'Absolute',
      chargingSchedule: {
        chargingRateUnit: unit,
        startSchedule: new Date(now.getTime() - START_IN_PAST_MS).toISOString(),
        chargingSchedulePeriod: [period],
      },
    },
  };
}

/**
 * A connector's limit as stored for a plan with `validUntil` ("when the plan stops applying", the
 * contract): its schedule ends there (the earlier of its own end and that instant, whole seconds,
 * never after it). So a lease is not renewed past it (renewal stops at the schedule's end) and the
 * charger falls back by itself if no newer plan came: the planner that made it may be gone, and its
 * limits, made for that day's load, would otherwise hold for good. The station cap (connector 0)
 * keeps no end: it is the fail-safe that must survive us and the planner (guide §3.3).
 */
export function endingAtValidUntil(limit: ConnectorLimit, validUntil: string | undefined): ConnectorLimit {
  if (validUntil === undefined || limit.connectorId === 0) return limit;
  const untilS = Math.floor((Date.parse(validUntil) - Date.parse(limit.schedule.startSchedule)) / 1000);
  if (Number.isNaN(untilS)) return limit;
  // A schedule starting at or after validUntil never applies: a second at its start (durations are positive).
  const durationS = Math.max(1, Math.min(limit.schedule.durationS ?? Infinity, untilS));
  return { ...limit, schedule: { ...limit.schedule, durationS } };
}

function chooseUnit(planned: 'A' | 'W', allowed: ('A' | 'W')[] | undefined): 'A' | 'W' {
  if (!allowed || allowed.length === 0 || allowed.includes(planned)) return planned;
  return allowed[0]!;
}

/** A limit in `from` as a limit in `to`, over `phases` at `voltage` (unrounded). */
export function convert(value: number, from: 'A' | 'W', to: 'A' | 'W', phases: number, voltage: number): number {
  if (from === to) return value;
  return from === 'A' ? value * voltage * phases : value / (voltage * phases);
}

/**
 * A planned limit in the unit sent, rounded down. A limit planned in A is a pilot current: below the
 * 6 A minimum it is a pause in W too, since an AC charger told e.g. 2,760 W (4 A at 3 phases)
 * cannot signal 4 A and would draw 6 A, above the plan.
 */
function limitIn(value: number, from: 'A' | 'W', to: 'A' | 'W', phases: number, voltage: number): number {
  if (from === 'A' && roundDown(value, 'A') === 0) return 0;
  return roundDown(convert(value, from, to, phases, voltage), to);
}

/** Never above the plan: down to 0.1 A (and 0 below the 6 A pilot minimum) or to whole watts. */
export function roundDown(value: number, unit: 'A' | 'W'): number {
  if (unit === 'W') return Math.max(0, Math.floor(value + 1e-9));
  const amps = Math.max(0, Math.floor(value * 10 + 1e-9) / 10);
  return amps > 0 && amps < MIN_AC_CURRENT_A ? 0 : amps;
}

/**
 * The connector's TxDefaultProfile as a TxProfile pinned to the running transaction, under a fixed
 * id per connector (replaced in place). Same limits, stack level and end: a leased limit stays a
 * lease, so if we stop renewing it the transaction falls back like the connector does.
 */
export function forRunningTransaction(txDefault: BuiltProfile, transactionId: number): BuiltProfile {
  return {
    connectorId: txDefault.connectorId,
    profile: { ...txDefault.profile, chargingProfileId: runningTransactionProfileId(txDefault.connectorId), chargingProfilePurpose: 'TxProfile', transactionId },
  };
}
