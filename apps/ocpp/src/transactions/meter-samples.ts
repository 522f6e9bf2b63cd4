import { OcppMeasurand, OcppMeasurementLocation, OcppPhase, OcppReadingContext, OcppUnitOfMeasure, type OcppMeterSample, type OcppMeterSampled } from '@cpo/contracts';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import type { MeterReading, StoredSample } from './transaction.repository.js';

type MeterValue = Ocpp16.MeterValuesRequest['meterValue'][number];

/**
 * An OCPP enumeration read case-insensitively: each value by its exact spelling and its lower
 * case (surrounding blanks ignored), unless two values share a lower case (none of 1.6's do; a
 * shared one would be no sure match, and is left as sent).
 */
function spellings(values: readonly string[]): Map<string, string> {
  const byLower = new Map<string, string | null>();
  for (const v of values) byLower.set(v.toLowerCase(), byLower.has(v.toLowerCase()) ? null : v);
  const map = new Map<string, string>(values.map((v) => [v, v]));
  for (const [lower, v] of byLower) if (v !== null) map.set(lower, v);
  return map;
}

const MEASURAND_SPELLINGS = spellings(OcppMeasurand.options);
const UNIT_SPELLINGS = spellings(OcppUnitOfMeasure.options);
const PHASE_SPELLINGS = spellings(OcppPhase.options);
const CONTEXT_SPELLINGS = spellings(OcppReadingContext.options);
const LOCATION_SPELLINGS = spellings(OcppMeasurementLocation.options);
const FORMAT_SPELLINGS = spellings(['Raw', 'SignedData']);

/**
 * A sampled value's enumerated field as OCPP spells it: `""` (or blanks) is an absent field (OCPP's
 * default then applies), `energy.active.import.register` or `wh` the canonical value. Stored and
 * published so: a reading under another spelling was in no energy series and no event (15,000 Wh
 * sent as `wh` vanished). A value outside the enumeration is kept as sent (stored, not published).
 */
function enumerated(v: unknown, canonical: Map<string, string>): string | undefined {
  // Stored even when it breaks the schema (guide §2.1): a field sent as a number or an object is read as absent.
  if (typeof v !== 'string') return undefined;
  const exact = canonical.get(v);
  if (exact !== undefined) return exact;
  const t = v.trim();
  return t === '' ? undefined : (canonical.get(t.toLowerCase()) ?? v);
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The most samples one `ocpp.meter.sampled` event carries: the first ones the contract can express,
 * in the charger's order. A frame may be up to 4 MB, so one MeterValue could hold ~20,000 sampled
 * values: as one event that is ~1.4 MB, more than NATS accepts (max_payload, 1 MiB by default), and
 * such an event could never be published. A sample is at most ~200 bytes of JSON, so 1,000 keep an
 * event below ~200 kB; real meters send tens. Every sampled value is still stored.
 */
export const MAX_EVENT_SAMPLES = 1000;

/**
 * OCPP 1.6 (SampledValue.unit) defaults to `Wh` only when the measurand is an energy: a charger
 * that leaves the unit out of a current or a power still means A or W. Published as `Wh`, such a
 * `Current.Import` was useless to the planner (it trusts only currents in A). A temperature without
 * unit is read in Celsius (the spec's first temperature unit, what chargers report); frequency,
 * power factor and RPM have no unit in OCPP's list: stored without one, and not published (the
 * contract's sample carries a unit, and `Wh` would be false).
 */
const UNIT_BY_MEASURAND = new Map<string, string | undefined>([
  ['Energy.Reactive.Export.Register', 'varh'],
  ['Energy.Reactive.Import.Register', 'varh'],
  ['Energy.Reactive.Export.Interval', 'varh'],
  ['Energy.Reactive.Import.Interval', 'varh'],
  ['Power.Active.Export', 'W'],
  ['Power.Active.Import', 'W'],
  ['Power.Offered', 'W'],
  ['Power.Reactive.Export', 'var'],
  ['Power.Reactive.Import', 'var'],
  ['Current.Import', 'A'],
  ['Current.Export', 'A'],
  ['Current.Offered', 'A'],
  ['Voltage', 'V'],
  ['SoC', 'Percent'],
  ['Temperature', 'Celsius'],
  ['Frequency', undefined],
  ['Power.Factor', undefined],
  ['RPM', undefined],
]);

const defaultUnit = (measurand: string): string | undefined => (UNIT_BY_MEASURAND.has(measurand) ? UNIT_BY_MEASURAND.get(measurand) : 'Wh');

/**
 * Normalises one `MeterValue` into a reading: OCPP's defaults made explicit
 * (`Energy.Active.Import.Register`, the measurand's unit, `Raw`), enumerations in OCPP's spelling
 * (the spelling sent kept in `asSent`), numbers parsed from the decimal strings. Every
 * sampled value is kept for storage (signed data verbatim, with no number); the event carries only
 * samples the bus contract can express, at most MAX_EVENT_SAMPLES of them (the first). `at` is the
 * MeterValue's time of record (`chargerTime`: its receipt when the charger's clock was unset), not
 * necessarily its `timestamp` as sent.
 */
export function meterReadingOf(stationId: string, connectorId: number, transactionId: number | null, mv: MeterValue, at: Date): { reading: MeterReading; event?: OcppMeterSampled } {
  // Formatted once per MeterValue: the reading (JSON) and the event share it.
  const sampledAt = at.toISOString();
  const stored: StoredSample[] = [];
  const samples: OcppMeterSample[] = [];
  for (const sv of mv.sampledValue) {
    const format = enumerated(sv.format, FORMAT_SPELLINGS) ?? 'Raw';
    const value = format === 'Raw' && DECIMAL.test(sv.value.trim()) ? Number(sv.value) : null;
    const measurand = enumerated(sv.measurand, MEASURAND_SPELLINGS) ?? 'Energy.Active.Import.Register';
    const sample: StoredSample = {
      measurand,
      value,
      rawValue: sv.value,
      unit: enumerated(sv.unit, UNIT_SPELLINGS) ?? defaultUnit(measurand),
      phase: enumerated(sv.phase, PHASE_SPELLINGS),
      context: enumerated(sv.context, CONTEXT_SPELLINGS),
      location: enumerated(sv.location, LOCATION_SPELLINGS),
      format,
    };
    const respelt = respelling(sv as unknown as Record<string, unknown>, sample);
    if (respelt) sample.asSent = respelt;
    stored.push(sample);
    if (value === null || !Number.isFinite(value)) continue;
    if (samples.length >= MAX_EVENT_SAMPLES) continue;
    const forEvent = contractSample(sample, value);
    if (forEvent) samples.push(forEvent);
  }
  // The event is published unchecked by the outbox (see MeterValuesService), so it must satisfy the contract by construction.
  const publishable = samples.length > 0 && Number.isInteger(connectorId) && connectorId >= 0 && (transactionId === null || (Number.isInteger(transactionId) && transactionId > 0));
  const event: OcppMeterSampled | undefined = publishable ? { stationId, connectorId, transactionId: transactionId ?? undefined, timestamp: sampledAt, samples } : undefined;
  return { reading: { stationId, connectorId, transactionId, sampledAt, samples: stored, sampleCount: stored.length }, event };
}

const ENUMERATED = ['measurand', 'unit', 'phase', 'context', 'location', 'format'] as const;

/** The enumerated fields sent in another spelling than stored (`""`, `wh`), as sent; undefined when none. */
function respelling(sv: Record<string, unknown>, sample: StoredSample): StoredSample['asSent'] {
  let sent: Record<string, string> | undefined;
  for (const f of ENUMERATED) {
    const v = sv[f];
    if (typeof v === 'string' && v !== sample[f]) (sent ??= {})[f] = v;
  }
  return sent;
}

const MEASURANDS = new Set<string>(OcppMeasurand.options);
const UNITS = new Set<string>(OcppUnitOfMeasure.options);
const PHASES = new Set<string>(OcppPhase.options);
const CONTEXTS = new Set<string>(OcppReadingContext.options);
const LOCATIONS = new Set<string>(OcppMeasurementLocation.options);

/**
 * The sample as `OcppMeterSampleV1` has it, or undefined when a field is outside the contract's
 * enums (a charger's own measurand or unit is only stored). Set lookups rather than a
 * zod parse: this runs for every sampled value, thousands a second.
 */
function contractSample(row: StoredSample, value: number): OcppMeterSample | undefined {
  if (!MEASURANDS.has(row.measurand) || row.unit === undefined || !UNITS.has(row.unit)) return undefined;
  if ((row.phase !== undefined && !PHASES.has(row.phase)) || (row.context !== undefined && !CONTEXTS.has(row.context)) || (row.location !== undefined && !LOCATIONS.has(row.location))) return undefined;
  const sample = { measurand: row.measurand, value, unit: row.unit } as OcppMeterSample;
  if (row.phase !== undefined) sample.phase = row.phase as OcppMeterSample['phase'];
  if (row.context !== undefined) sample.context = row.context as OcppMeterSample['context'];
  if (row.location !== undefined) sample.location = row.location as OcppMeterSample['location'];
  return sample;
}
