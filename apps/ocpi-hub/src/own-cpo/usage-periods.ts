import type { OcppMeterSampled, OcppTransactionStopped } from '@cpo/contracts';
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
 * The energy a stopped own session is settled with (`wh`) and the register reading it counts from
 * (`fromWh`, the start of its usage periods). ocpp's `energyWh` when the stop carries it, so the
 * CDR bills what ocpp's views show (a meter that restarted during the session counts from zero
 * there, not as the 0 the registers' difference gives); the periods then count from
 * `meterStopWh − energyWh` (0 for a restarted meter: readings from before the restart fall out),
 * so they add up to it. Without it (an ocpp release before it), the registers' growth, never
 * negative, from `meterStartWh` as before.
 */
export function settledEnergy(meterStartWh: number, stop: Pick<OcppTransactionStopped, 'meterStopWh' | 'energyWh'>): { wh: number; fromWh: number } {
  if (stop.energyWh !== undefined) return { wh: stop.energyWh, fromWh: stop.meterStopWh - stop.energyWh };
  return { wh: Math.max(0, stop.meterStopWh - meterStartWh), fromWh: meterStartWh };
}

/** Below this summed current at a period's end, nothing is being charged. */
const IDLE_A = 1;
/**
 * Without a current, a period must last this long with no energy to count as parking: a register
 * kept in 0.1 kWh steps still grows within 5 min at ≥ 1.2 kW, so a slow charge is not mistaken for
 * parking in a one-minute gap between readings.
 */
const PARKING_WITHOUT_CURRENT_MS = 5 * 60_000;

/**
 * The usage periods of a session for pricing, from its meter readings: one period between each two
 * readings, its energy the register's growth (never negative), its current the one read at its end.
 * Readings outside start…stop or whose register went backwards are left out. A period in which the
 * register did not grow is parking (PARKING_TIME, plugged in but not charging) when the current
 * read at its end was below 1 A, or, without a current, when it lasted at least 5 min.
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
  let fromMs = startMs;
  return points.map((p) => {
    const kwh = Math.max(0, p.wh - previous) / 1000;
    const endMs = Date.parse(p.at);
    const parking = kwh === 0 && (p.currentA !== undefined ? p.currentA < IDLE_A : endMs - fromMs >= PARKING_WITHOUT_CURRENT_MS);
    const period: UsagePeriod = { end: p.at, kwh, ...(p.currentA !== undefined ? { currentA: p.currentA } : {}), ...(parking ? { parking: true } : {}) };
    previous = Math.max(previous, p.wh);
    fromMs = endMs;
    return period;
  });
}
