/**
 * OSCP 2.0 wire messages (field names and enums of the OCA schemas), parsed tolerantly: the
 * variants real partners send (see the ELMO guide §8) are accepted and normalised, so the rest of
 * the code sees one shape. Outbound messages are built by the helpers in `outbound.ts` and use the
 * same types.
 */
import { z } from 'zod';

export const OSCP_VERSION = '2.0';

export const PhaseIndicator = z.enum(['UNKNOWN', 'ONE', 'TWO', 'THREE', 'ALL']);
export type PhaseIndicator = z.infer<typeof PhaseIndicator>;
/** `ForecastedBlockUnit`; pyoscp's non-standard `EUR`, `EUR/KWH` are rejected for capacity. */
export const ForecastedBlockUnit = z.enum(['A', 'W', 'KW', 'WH', 'KWH']);
export type ForecastedBlockUnit = z.infer<typeof ForecastedBlockUnit>;
export const CapacityForecastType = z.enum(['CONSUMPTION', 'GENERATION', 'FALLBACK_CONSUMPTION', 'FALLBACK_GENERATION', 'OPTIMUM']);
export type CapacityForecastType = z.infer<typeof CapacityForecastType>;
export const EnergyMeasurementUnit = z.enum(['WH', 'KWH']);
export const EnergyFlowDirection = z.enum(['NET', 'IMPORT', 'EXPORT']);
export const EnergyType = z.enum(['FLEXIBLE', 'NONFLEXIBLE', 'TOTAL']);
export const MeasurementConfiguration = z.enum(['CONTINUOUS', 'INTERMITTENT']);
export type MeasurementConfiguration = z.infer<typeof MeasurementConfiguration>;

/** RFC 3339 date-time with an explicit offset (`Z` or `±hh:mm`); normalised to an instant by consumers. */
export const DateTime = z.iso.datetime({ offset: true });

/**
 * A date-time that may also come as pyoscp's zone-less `YYYY-MM-DD HH:MM:SS`, read as UTC.
 * Output is always an ISO string with an offset.
 */
export const LenientDateTime = z.string().transform((value, ctx) => {
  if (DateTime.safeParse(value).success) return value;
  const bare = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)$/.exec(value);
  if (bare && Number.isFinite(Date.parse(`${bare[1]}T${bare[2]}Z`))) return `${bare[1]}T${bare[2]}Z`;
  ctx.addIssue({ code: 'custom', message: 'expected an RFC 3339 date-time' });
  return z.NEVER;
});

/** A capacity: a number ≥ 0, a numeric string (oscp-sdk), or `null` (ELMO's missing prediction hour). */
const Capacity = z
  .union([z.number(), z.string().regex(/^\s*\d+(\.\d+)?\s*$/, 'expected a number').transform(Number), z.null()])
  .refine((v) => v === null || v >= 0, 'capacity must be ≥ 0');

export const VersionUrl = z.object({ version: z.string().min(1), base_url: z.string().min(1) });
export type VersionUrl = z.infer<typeof VersionUrl>;

/** `Register` (both directions). */
export const RegisterMessage = z.object({
  token: z.string().min(1).max(767),
  version_url: z.array(VersionUrl).min(1),
});
export type RegisterMessage = z.infer<typeof RegisterMessage>;

export const RequiredBehaviour = z.object({
  heartbeat_interval: z.number().min(1).optional(),
  measurement_configuration: z.array(MeasurementConfiguration).default([]),
});
export type RequiredBehaviour = z.infer<typeof RequiredBehaviour>;

/**
 * `Handshake` / `HandshakeAcknowledge`: nested (`{required_behaviour: …}`), ELMO's documented flat
 * variant (`{measurement_configuration: […]}`) and `{}` all normalise to the nested form.
 */
export const HandshakeMessage = z
  .object({
    required_behaviour: RequiredBehaviour.optional(),
    heartbeat_interval: z.number().min(1).optional(),
    measurement_configuration: z.array(MeasurementConfiguration).optional(),
  })
  .transform(({ required_behaviour, heartbeat_interval, measurement_configuration }) => {
    if (required_behaviour) return { required_behaviour };
    if (heartbeat_interval === undefined && measurement_configuration === undefined) return {};
    return {
      required_behaviour: {
        measurement_configuration: measurement_configuration ?? [],
        ...(heartbeat_interval !== undefined ? { heartbeat_interval } : {}),
      },
    };
  });
export type HandshakeMessage = z.output<typeof HandshakeMessage>;

/** `Heartbeat`. */
export const HeartbeatMessage = z.object({ offline_mode_at: LenientDateTime });
export type HeartbeatMessage = z.infer<typeof HeartbeatMessage>;

export const ForecastedBlock = z
  .object({
    capacity: Capacity,
    phase: PhaseIndicator,
    unit: ForecastedBlockUnit,
    start_time: DateTime,
    end_time: DateTime,
  })
  .refine((b) => Date.parse(b.end_time) > Date.parse(b.start_time), { message: 'end_time must be after start_time', path: ['end_time'] });
export type ForecastedBlock = z.infer<typeof ForecastedBlock>;

/** `UpdateGroupCapacityForecast` (CP→FP) and `AdjustGroupCapacityForecast` (FP→CP). */
export const GroupCapacityForecastMessage = z.object({
  group_id: z.string().min(1),
  type: CapacityForecastType,
  forecasted_blocks: z.array(ForecastedBlock).min(1),
});
export type GroupCapacityForecastMessage = z.infer<typeof GroupCapacityForecastMessage>;

/** `GroupCapacityComplianceError` (FP→CP). */
export const GroupCapacityComplianceErrorMessage = z.object({
  message: z.string().min(1),
  forecasted_blocks: z.array(ForecastedBlock).min(1).optional(),
});
export type GroupCapacityComplianceErrorMessage = z.infer<typeof GroupCapacityComplianceErrorMessage>;

export const EnergyMeasurement = z.object({
  value: z.number().nonnegative(),
  phase: PhaseIndicator,
  unit: EnergyMeasurementUnit,
  direction: EnergyFlowDirection,
  energy_type: EnergyType.optional(),
  measure_time: DateTime,
  initial_measure_time: DateTime.optional(),
});
export type EnergyMeasurement = z.infer<typeof EnergyMeasurement>;

/** `UpdateGroupMeasurements` (FP→CP): the schema (and ELMO) require at least one item. */
export const UpdateGroupMeasurementsMessage = z.object({
  group_id: z.string().min(1),
  measurements: z.array(EnergyMeasurement).min(1),
});
export type UpdateGroupMeasurementsMessage = z.infer<typeof UpdateGroupMeasurementsMessage>;

/** Actions our Flexibility Provider receives, with the schema of each body. */
export const FP_INBOUND = {
  register: RegisterMessage,
  handshake: HandshakeMessage,
  handshake_acknowledge: HandshakeMessage,
  heartbeat: HeartbeatMessage,
  update_group_capacity_forecast: GroupCapacityForecastMessage,
  adjust_group_capacity_forecast: GroupCapacityForecastMessage,
} as const;
export type FpInboundAction = keyof typeof FP_INBOUND;

/** Spellings of the acknowledge path seen in the wild, all accepted inbound (guide §8). */
const ACK_ALIASES: Record<string, FpInboundAction> = {
  handshake_acknowledgment: 'handshake_acknowledge',
  handshake_acknowledgement: 'handshake_acknowledge',
};

/** The canonical inbound action for a path segment, or `undefined` if we do not serve it. */
export function fpInboundAction(segment: string): FpInboundAction | undefined {
  if (Object.hasOwn(FP_INBOUND, segment)) return segment as FpInboundAction;
  return Object.hasOwn(ACK_ALIASES, segment) ? ACK_ALIASES[segment] : undefined;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** Validates a body; the message names the first failing fields (for OSCP's `{message}` answer). */
export function parseMessage<S extends z.ZodType>(schema: S, body: unknown): ParseResult<z.output<S>> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, message: formatZodIssues(parsed.error) };
}

export function formatZodIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`)
    .join('; ');
}
