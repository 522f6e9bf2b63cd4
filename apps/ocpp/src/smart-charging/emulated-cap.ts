import type { ConnectorLimit, LimitPeriod } from '@cpo/contracts';
import type { StationCapabilities } from '../stations/capabilities.js';
import { EMULATED_CAP_PROFILE_ID, roundDown, type BuiltProfile } from './profile-builder.js';

/*
 * The station cap of a charger that refuses ChargePointMaxProfile (guide §3.3: "split the cap over
 * the connectors' TxDefaultProfiles"). A connector-0 TxDefaultProfile is only the default of the
 * connectors without their own: connector n's TxDefaultProfile replaces it for n (guide §2.6), so
 * the cap cannot live in a profile of its own. Each connector gets an even share of the cap, carried
 * both by the connector-0 default (connectors without a plan of their own) and inside the connector's
 * own profile as min(its planned limit, its share) per period. An even split holds whatever subset
 * of the connectors got its latest profile (a share that depended on the other connectors' limits
 * would not while one of them is still being delivered or was refused).
 */

/**
 * Connectors the cap is split over: the most we know of — `NumberOfConnectors`, the highest connector
 * the station's plan names, the highest that reported a status. Dividing over more than exist only
 * lowers each share; over fewer would let their sum exceed the cap. 1 only when nothing names another.
 */
export function connectorsToShare(caps: StationCapabilities, highestKnownConnectorId: number): number {
  return Math.max(1, caps.numberOfConnectors ?? 0, highestKnownConnectorId);
}

/** The station cap as the connector-0 TxDefaultProfile id 99: each connector's share, for the connectors without a profile of their own. */
export function emulateStationCap(built: BuiltProfile, connectors: number): BuiltProfile {
  const n = Math.max(1, connectors);
  const unit = built.profile.chargingSchedule.chargingRateUnit;
  return {
    connectorId: 0,
    profile: {
      ...built.profile,
      chargingProfileId: EMULATED_CAP_PROFILE_ID,
      chargingProfilePurpose: 'TxDefaultProfile',
      stackLevel: 0,
      chargingSchedule: {
        ...built.profile.chargingSchedule,
        chargingSchedulePeriod: built.profile.chargingSchedule.chargingSchedulePeriod.map((p) => ({ ...p, limit: roundDown(p.limit / n, unit) })),
      },
    },
  };
}

/**
 * The connector's planned limit held to its share of the station cap (`cap` / `connectors`) at every
 * instant, on the connector's own schedule (start, end, phases, unit). Where the cap changes between
 * two whole seconds of that schedule, the second around the change takes the lower of both values,
 * so the result never lies above either limit. Before the cap's start or after its end only the
 * connector's own limit holds.
 */
export function underStationShare(limit: ConnectorLimit, cap: ConnectorLimit, connectors: number, voltage: number): ConnectorLimit {
  const own = limit.schedule;
  const startMs = Date.parse(own.startSchedule);
  const capStartMs = Date.parse(cap.schedule.startSchedule);
  const capEndMs = cap.schedule.durationS === undefined ? Infinity : capStartMs + cap.schedule.durationS * 1000;
  const n = Math.max(1, connectors);
  // The instants (ms) where the cap changes: its start, its periods, its end.
  const capChanges = [capStartMs, ...cap.schedule.periods.map((p) => capStartMs + p.startPeriodS * 1000), capEndMs].filter((t) => Number.isFinite(t));
  const endS = own.durationS ?? Infinity;
  const bounds = new Set<number>(own.periods.map((p) => p.startPeriodS));
  for (const t of capChanges) {
    const x = (t - startMs) / 1000;
    for (const s of [Math.floor(x), Math.ceil(x)]) if (s > 0 && s < endS) bounds.add(s);
  }
  const starts = [...bounds].sort((a, b) => a - b);

  /** The share at instant `at` (ms), in `unit` at `phases`; Infinity without a cap in force. */
  const shareAt = (at: number, unit: 'A' | 'W', phases: number): number => {
    if (at < capStartMs || at >= capEndMs) return Infinity;
    let period = cap.schedule.periods[0]!;
    for (const p of cap.schedule.periods) if (capStartMs + p.startPeriodS * 1000 <= at) period = p;
    const share = period.limit / n;
    if (cap.schedule.chargingRateUnit === unit) return share;
    return unit === 'A' ? share / (voltage * phases) : share * voltage * phases;
  };

  const periods: LimitPeriod[] = [];
  starts.forEach((from, i) => {
    const to = starts[i + 1] ?? Infinity;
    let ownPeriod = own.periods[0]!;
    for (const p of own.periods) if (p.startPeriodS <= from) ownPeriod = p;
    const phases = ownPeriod.numberPhases ?? 3;
    // The lowest share the interval sees: at its start and at every cap change inside it.
    const fromMs = startMs + from * 1000;
    const toMs = startMs + to * 1000;
    const inside = capChanges.filter((t) => t > fromMs && t < toMs);
    const share = Math.min(...[fromMs, ...inside].map((t) => shareAt(t, own.chargingRateUnit, phases)));
    const next: LimitPeriod = { ...ownPeriod, startPeriodS: from, limit: Math.min(ownPeriod.limit, share) };
    const last = periods[periods.length - 1];
    if (last && last.limit === next.limit && last.numberPhases === next.numberPhases) return;
    periods.push(next);
  });
  return { connectorId: limit.connectorId, schedule: { ...own, periods } };
}
