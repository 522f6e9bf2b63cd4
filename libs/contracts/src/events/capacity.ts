/**
 * Payloads of the CAPACITY stream: group capacity exchanged with the capacity provider (OSCP 2.0,
 * in practice Taiwan's ELMO). The oscp service normalises the wire format: capacities are
 * converted to watts for the **whole group**, instants keep their offset.
 */
import { z } from 'zod';
import {
  CalendarDate,
  NonEmptyString,
  PowerW,
  Timestamp,
  IntervalFields,
  endsAfterStart,
  endsAfterStartIssue,
  instantMs,
  whenFieldsValid,
} from './common.js';

/** OSCP `CapacityForecastType`; the two fallback types are folded into `FALLBACK`. ELMO always sends `CONSUMPTION`. */
export const CapacityForecastType = z.enum(['CONSUMPTION', 'GENERATION', 'FALLBACK', 'OPTIMUM']);
export type CapacityForecastType = z.infer<typeof CapacityForecastType>;

/**
 * What the oscp service inferred the forecast to be (no purpose travels on the OSCP wire):
 * - `day_ahead_assignment`: the provider's 24 hourly values for tomorrow (ELMO: 10:00 Taipei);
 * - `day_ahead_reply`: the provider's answer to our adjust request, replacing tomorrow's plan;
 * - `emergency`: an overlay that lowers the limit for its interval only;
 * - `fallback`: limits to apply while the provider is offline (generic OSCP partners only);
 * - `generic`: anything else, applied as plain intervals.
 */
export const CapacityForecastKind = z.enum([
  'day_ahead_assignment',
  'day_ahead_reply',
  'emergency',
  'fallback',
  'generic',
]);
export type CapacityForecastKind = z.infer<typeof CapacityForecastKind>;

/** OSCP `PhaseIndicator` of a forecasted block (ELMO: `ALL`). */
export const CapacityPhase = z.enum(['ALL', 'ONE', 'TWO', 'THREE', 'UNKNOWN']);
export type CapacityPhase = z.infer<typeof CapacityPhase>;

/** One forecasted block: the group may draw at most `powerW` during `[startTime, endTime)`. */
export const CapacityForecastBlockV1 = z
  .strictObject({
    ...IntervalFields,
    /** Limit for the whole group in W (OSCP kW × 1000), ≥ 0. */
    powerW: PowerW,
    phase: CapacityPhase,
  })
  .refine(endsAfterStart, endsAfterStartIssue);
export type CapacityForecastBlock = z.infer<typeof CapacityForecastBlockV1>;

/** `capacity.forecast.received` (oscp → planner): a capacity forecast arrived and was accepted (204). */
export const CapacityForecastReceivedV1 = z.strictObject({
  /** Our id of the capacity provider (the OSCP peer). */
  partnerId: NonEmptyString,
  /** The provider's group id (for ELMO the charging-site uid it assigned). */
  groupId: NonEmptyString,
  /** The `X-Request-ID` of the OSCP message; a compliance error must point back to it. */
  requestId: NonEmptyString,
  forecastType: CapacityForecastType,
  kind: CapacityForecastKind,
  /** When our endpoint received the message. */
  receivedAt: Timestamp,
  /** The blocks, in the order received; at least one. */
  blocks: z.array(CapacityForecastBlockV1).min(1),
});
export type CapacityForecastReceived = z.infer<typeof CapacityForecastReceivedV1>;

/**
 * `capacity.forecast.missed` (oscp → planner, operators): an expected message of the provider did
 * not arrive in time. The effective fallback (contract capacity) is the planner's to apply.
 */
export const CapacityForecastMissedV1 = z.strictObject({
  partnerId: NonEmptyString,
  groupId: NonEmptyString,
  /**
   * `assignment_missing`: no day-ahead assignment for `date` by the deadline (ELMO: 10:05 Taipei);
   * `reply_missing`: an accepted adjust request for `date` got no reply (ELMO: by 16:10).
   */
  kind: z.enum(['assignment_missing', 'reply_missing']),
  /** The Asia/Taipei day (`YYYY-MM-DD`) the missing message was for. */
  date: CalendarDate,
  detectedAt: Timestamp,
});
export type CapacityForecastMissed = z.infer<typeof CapacityForecastMissedV1>;

/** Number of hourly blocks in an adjust request: one per hour of a Taipei day (Taiwan has no DST). */
export const ADJUST_BLOCK_COUNT = 24;
const HOUR_MS = 3_600_000;

/** One hourly block of an adjust request: the capacity we ask for during `[startTime, endTime)`. */
export const CapacityAdjustBlockV1 = z
  .strictObject({
    ...IntervalFields,
    /** Requested limit for the whole group in W, ≥ 0 (ELMO keeps it rounded to an integer kW). */
    powerW: PowerW,
  })
  .refine(endsAfterStart, endsAfterStartIssue);
export type CapacityAdjustBlock = z.infer<typeof CapacityAdjustBlockV1>;

/**
 * `capacity.adjust.requested` (planner → oscp): ask the provider for different capacity on `date`.
 *
 * The shape is what ELMO enforces, checked here so a bad request fails at the planner and not at
 * the provider: exactly 24 consecutive one-hour blocks, the first starting at 00:00 Asia/Taipei
 * of `date`, the last ending at 00:00 of the next day.
 */
export const CapacityAdjustRequestedV1 = z
  .strictObject({
    groupId: NonEmptyString,
    /** The capacity provider to ask; absent = the group's only provider. */
    partnerId: NonEmptyString.optional(),
    /** The Asia/Taipei day (`YYYY-MM-DD`) the blocks cover, normally tomorrow. */
    date: CalendarDate,
    /** Who triggered the request: the planner's daily job or an operator through the API. */
    requestedBy: z.enum(['planner', 'operator']),
    /** Human-readable motive, kept in the audit trail. */
    reason: NonEmptyString,
    blocks: z.array(CapacityAdjustBlockV1).length(ADJUST_BLOCK_COUNT),
  })
  .superRefine((request, ctx) => {
    const dayStart = instantMs(`${request.date}T00:00:00+08:00`);
    request.blocks.forEach((block, index) => {
      const expectedStart = dayStart + index * HOUR_MS;
      if (instantMs(block.startTime) !== expectedStart) {
        ctx.addIssue({
          code: 'custom',
          path: ['blocks', index, 'startTime'],
          message: `block ${index} must start at ${new Date(expectedStart).toISOString()} (hour ${index} of ${request.date} in Asia/Taipei)`,
        });
      }
      if (instantMs(block.endTime) !== expectedStart + HOUR_MS) {
        ctx.addIssue({
          code: 'custom',
          path: ['blocks', index, 'endTime'],
          message: `block ${index} must last exactly one hour`,
        });
      }
    });
  }, whenFieldsValid);
export type CapacityAdjustRequested = z.infer<typeof CapacityAdjustRequestedV1>;

/** One interval the group cannot comply with. */
export const ComplianceAffectedBlockV1 = z
  .strictObject({
    ...IntervalFields,
    /** The limit the provider forecast for the group, in W. */
    forecastPowerW: PowerW,
    /** The power we expect the group to draw anyway (what we *can* achieve), in W. */
    expectedPowerW: PowerW,
  })
  .refine(endsAfterStart, endsAfterStartIssue);
export type ComplianceAffectedBlock = z.infer<typeof ComplianceAffectedBlockV1>;

/**
 * `capacity.compliance.failed` (planner → oscp): the group cannot comply with its forecast; the
 * oscp service sends an OSCP GroupCapacityComplianceError.
 */
export const CapacityComplianceFailedV1 = z.strictObject({
  groupId: NonEmptyString,
  /** The capacity provider to notify; absent = the group's only provider. */
  partnerId: NonEmptyString.optional(),
  /**
   * The `requestId` of the forecast that cannot be met. OSCP sends it as `X-Correlation-ID` and
   * ELMO rejects a compliance error without one; absent = the group's latest forecast.
   */
  forecastRequestId: NonEmptyString.optional(),
  /** Human-readable explanation (OSCP `message`, which ELMO requires to be non-empty). */
  message: NonEmptyString,
  detectedAt: Timestamp,
  /** The intervals concerned; may be empty when the problem is not tied to specific blocks. */
  affected: z.array(ComplianceAffectedBlockV1),
});
export type CapacityComplianceFailed = z.infer<typeof CapacityComplianceFailedV1>;
