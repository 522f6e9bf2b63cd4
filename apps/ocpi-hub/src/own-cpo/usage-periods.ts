import type { OcppMeterSampled } from '@cpo/contracts';
import type { UsagePeriod } from '@cpo/ocpi-protocol';

/** One meter reading of an own session: the energy register and, when measured, the current. */
export interface MeterReading {
  at: string;
  wh: number;
  currentA?: number;
}

/**
 * The charging current of a MeterValue in A, summed over the phases as OCPI's current restrictions
 * mean it: the L1/L2/L3 `Current.Import` values when the charger sends phases, else the phase-less one.
 */
export function currentA(e: OcppMeterSampled): number | undefined {
  const current = e.samples.filter((s) => s.measurand === 'Current.Import' && s.unit === 'A');
  const phases = current.filter((s) => s.phase === 'L1' || s.phase === 'L2' || s.phase === 'L3');
  if (phases.length > 0) return phases.reduce((sum, s) => sum + s.value, 0);
  return current.find((s) => !s.phase)?.value;
}

/**
 * The usage periods of a session for pricing, from its meter readings: one period between each two
 * readings, its energy the register's growth (never negative), its current the one read at its end.
 * Readings outside start…stop or whose register went backwards are left out.
 */
export function usagePeriods(start: { at: string; wh: number }, readings: MeterReading[], stop: { at: string; wh: number }): UsagePeriod[] {
  const startMs = Date.parse(start.at);
  const stopMs = Date.parse(stop.at);
  const points: MeterReading[] = [];
  let last = start.wh;
  for (const r of [...readings].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))) {
    const t = Date.parse(r.at);
    if (t <= startMs || t >= stopMs || r.wh < last || r.wh > stop.wh) continue;
    points.push(r);
    last = r.wh;
  }
  points.push({ at: stop.at, wh: stop.wh });
  let previous = start.wh;
  return points.map((p) => {
    const period: UsagePeriod = { end: p.at, kwh: Math.max(0, p.wh - previous) / 1000, ...(p.currentA !== undefined ? { currentA: p.currentA } : {}) };
    previous = Math.max(previous, p.wh);
    return period;
  });
}
