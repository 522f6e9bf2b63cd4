/**
 * Payloads of the PLANNER stream: the per-station limit schedules the planner derives from the
 * group capacity, for the ocpp service to turn into OCPP 1.6 `SetChargingProfile` calls.
 */
import { z } from 'zod';
import { ConnectorId, NonEmptyString, StationId, Timestamp, instantMs, whenFieldsValid } from './common.js';

/**
 * Why a plan was made:
 * - `day_ahead`: the day-ahead plan (assign or reply) for a Taipei day;
 * - `emergency`: an emergency overlay from the capacity provider;
 * - `allocation`: a re-allocation between connectors (sessions started/stopped, measured draw changed);
 * - `operator_override`: an operator cap or manual override;
 * - `fallback`: fallback limits while the capacity provider is offline.
 */
export const StationLimitReason = z.enum(['day_ahead', 'emergency', 'allocation', 'operator_override', 'fallback']);
export type StationLimitReason = z.infer<typeof StationLimitReason>;

/** One step of a schedule, as OCPP 1.6 `ChargingSchedulePeriod`. */
export const LimitPeriodV1 = z.strictObject({
  /** Offset of the period's start from `startSchedule`, in whole seconds. */
  startPeriodS: z.number().int().nonnegative(),
  /** Maximum charging rate in the schedule's `chargingRateUnit` (W or A per phase), ≥ 0; 0 pauses charging. */
  limit: z.number().nonnegative(),
  /** Phases the limit assumes (AC only); absent = the charger's default (3 in OCPP 1.6). */
  numberPhases: z.literal([1, 2, 3]).optional(),
});
export type LimitPeriod = z.infer<typeof LimitPeriodV1>;

/** A limit schedule, as OCPP 1.6 `ChargingSchedule` with an absolute start. */
export const LimitScheduleV1 = z
  .strictObject({
    /** Absolute start of the schedule; period offsets count from here. */
    startSchedule: Timestamp,
    /** Length of the schedule in seconds; absent = the last period lasts until replaced. */
    durationS: z.number().int().positive().optional(),
    /** `W` (typically DC) or `A` per phase (AC, with `numberPhases`). */
    chargingRateUnit: z.enum(['W', 'A']),
    /** Lowest rate the charger should use, in `chargingRateUnit`. */
    minChargingRate: z.number().nonnegative().optional(),
    /** At least one period; the first starts at 0 and starts strictly increase. */
    periods: z.array(LimitPeriodV1).min(1),
  })
  .superRefine((schedule, ctx) => {
    schedule.periods.forEach((period, index) => {
      if (index === 0 && period.startPeriodS !== 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['periods', 0, 'startPeriodS'],
          message: 'the first period must start at 0',
        });
      }
      const previous = schedule.periods[index - 1];
      if (previous !== undefined && period.startPeriodS <= previous.startPeriodS) {
        ctx.addIssue({
          code: 'custom',
          path: ['periods', index, 'startPeriodS'],
          message: `must be greater than the previous period's startPeriodS (${previous.startPeriodS})`,
        });
      }
    });
  }, whenFieldsValid);
export type LimitSchedule = z.infer<typeof LimitScheduleV1>;

/** The schedule for one connector of the station. */
export const ConnectorLimitV1 = z.strictObject({
  /** `0` = the whole station (sent as `ChargePointMaxProfile`), `1…n` = one connector. */
  connectorId: ConnectorId,
  schedule: LimitScheduleV1,
});
export type ConnectorLimit = z.infer<typeof ConnectorLimitV1>;

/**
 * `planner.station-limits.planned` (planner → ocpp): the target limits of one station. A newer plan
 * for the same station replaces the previous one; the ocpp service reports the outcome with
 * `ocpp.charging-profile.applied` / `.failed` carrying the same `planId`.
 */
export const PlannerStationLimitsPlannedV1 = z
  .strictObject({
    /** Unique id of this plan (UUID); idempotency key for the ocpp service. */
    planId: z.uuid(),
    groupId: NonEmptyString,
    stationId: StationId,
    reason: StationLimitReason,
    /** When the plan takes effect (profiles sent for emergencies switch exactly at this instant). */
    effectiveFrom: Timestamp,
    /** When the plan stops applying; absent = until replaced. */
    validUntil: Timestamp.optional(),
    /** At least one connector, each at most once. */
    connectors: z.array(ConnectorLimitV1).min(1),
  })
  .superRefine((plan, ctx) => {
    if (plan.validUntil !== undefined && instantMs(plan.validUntil) <= instantMs(plan.effectiveFrom)) {
      ctx.addIssue({ code: 'custom', path: ['validUntil'], message: 'validUntil must be after effectiveFrom' });
    }
    const seen = new Set<number>();
    plan.connectors.forEach((connector, index) => {
      if (seen.has(connector.connectorId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['connectors', index, 'connectorId'],
          message: `connector ${connector.connectorId} appears more than once`,
        });
      }
      seen.add(connector.connectorId);
    });
  }, whenFieldsValid);
export type PlannerStationLimitsPlanned = z.infer<typeof PlannerStationLimitsPlannedV1>;

/**
 * `planner.group.topology-changed` (planner → oscp): the complete station list of one group after
 * a change (the group ↔ station mapping lives in the planner). `deleted` = the group is gone.
 */
export const PlannerGroupTopologyChangedV1 = z.strictObject({
  groupId: NonEmptyString,
  /** The capacity provider partner the group belongs to, when configured. */
  partnerId: NonEmptyString.optional(),
  /** Every station of the group now (replaces any earlier list). */
  stationIds: z.array(StationId),
  deleted: z.boolean(),
  changedAt: Timestamp,
});
export type PlannerGroupTopologyChanged = z.infer<typeof PlannerGroupTopologyChangedV1>;
