/**
 * Payloads of the REMS stream: generation samples decoded from Korean REMS (KEA) RTU frames by
 * rems-ingest. A frame carries no timestamp, so the time is always the server's receipt time.
 */
import { z } from 'zod';
import { EnergyWh, NonEmptyString, PowerW, Timestamp } from './common.js';

/**
 * Energy source from the frame's source/type bytes: `01` solar PV → `solar`, `02` → `solar_thermal`,
 * `03/01` → `heat_pump`, other `03` → `geothermal`, `04` → `wind`, `06` → `fuel_cell`, anything
 * else (e.g. `07` ESS) → `other`.
 */
export const RemsEnergySource = z.enum([
  'solar',
  'wind',
  'geothermal',
  'solar_thermal',
  'heat_pump',
  'fuel_cell',
  'other',
]);
export type RemsEnergySource = z.infer<typeof RemsEnergySource>;

/** `rems.measurement.decoded` (rems-ingest → planner): one decoded frame of one transceiver port. */
export const RemsMeasurementDecodedV1 = z.strictObject({
  /** The REMS tenant the transceiver belongs to. */
  tenantAlias: NonEmptyString,
  /** Server-generated transceiver id (e.g. `MATA49aac1d1c7`). */
  transceiverId: NonEmptyString,
  /** 0-based module port behind the transceiver (KEA solar: 0–3; larger values are flagged, not rejected). */
  port: z.number().int().nonnegative(),
  /** Ingest channel: HTTP meter upload or MQTT (v3 or v5). */
  source: z.enum(['http', 'mqtt']),
  /** Server receipt time of the frame. */
  measuredAt: Timestamp,
  energySource: RemsEnergySource,
  /** Grid-side phases for PV (1 = single-phase frame, 3 = three-phase frame); absent for other sources. */
  phases: z.literal([1, 3]).optional(),
  /** AC output power in W; `null` when the frame type has no such field. */
  powerW: PowerW.nullable(),
  /** Cumulative (lifetime) generation register in Wh; `null` when the frame has none. */
  cumulativeWh: EnergyWh.nullable(),
  /**
   * Every decoded field by name, already scaled to the unit in its name
   * (e.g. `pvVoltageV`, `frequencyHz`, `powerFactorPct`).
   */
  values: z.record(z.string().min(1), z.number()),
  /** Active fault/status flags (e.g. `pv_over_voltage`); empty when healthy. */
  faults: z.array(NonEmptyString),
});
export type RemsMeasurementDecoded = z.infer<typeof RemsMeasurementDecodedV1>;
