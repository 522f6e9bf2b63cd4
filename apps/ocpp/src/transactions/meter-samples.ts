import { OcppMeterSampleV1, type OcppMeterSample, type OcppMeterSampled } from '@cpo/contracts';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { parseOcppTime } from '../time.js';
import type { MeterRow } from './transaction.repository.js';

type MeterValue = Ocpp16.MeterValuesRequest['meterValue'][number];

/**
 * Transaction messages are stored even when they break the schema (guide §2.1), so an optional
 * field may arrive as a number or an object: only strings are kept as such.
 */
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Normalises one `MeterValue`: OCPP's defaults made explicit (`Energy.Active.Import.Register`, `Wh`,
 * `Raw`), numbers parsed from the decimal strings. Every sampled value is kept for storage (signed
 * data verbatim, with no number); the event carries only samples the bus contract can express.
 */
export function meterRowsOf(stationId: string, connectorId: number, transactionId: number | null, mv: MeterValue): { rows: MeterRow[]; event?: OcppMeterSampled } {
  // Formatted once per MeterValue: the rows (JSON) and the event share it.
  const sampledAt = parseOcppTime(mv.timestamp).toISOString();
  const rows: MeterRow[] = [];
  const samples: OcppMeterSample[] = [];
  for (const sv of mv.sampledValue) {
    const format = text(sv.format) ?? 'Raw';
    const value = format === 'Raw' && DECIMAL.test(sv.value.trim()) ? Number(sv.value) : null;
    const row: MeterRow = {
      stationId,
      connectorId,
      transactionId,
      sampledAt,
      measurand: text(sv.measurand) ?? 'Energy.Active.Import.Register',
      value,
      rawValue: sv.value,
      unit: text(sv.unit) ?? 'Wh',
      phase: text(sv.phase),
      context: text(sv.context),
      location: text(sv.location),
      format,
    };
    rows.push(row);
    if (value === null || !Number.isFinite(value)) continue;
    const sample = OcppMeterSampleV1.safeParse({ measurand: row.measurand, value, unit: row.unit, phase: row.phase, context: row.context, location: row.location });
    if (sample.success) samples.push(sample.data);
  }
  const event: OcppMeterSampled | undefined =
    samples.length > 0 ? { stationId, connectorId, transactionId: transactionId ?? undefined, timestamp: sampledAt, samples } : undefined;
  return { rows, event };
}
