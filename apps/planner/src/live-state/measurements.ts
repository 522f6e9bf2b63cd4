import type { OcppMeterSampled } from '@cpo/contracts';

/**
 * Power and energy of one meter reading, in W and Wh. Per-phase power values are summed; a total
 * (no phase) wins over phase values when a charger sends both. Energy is the import register.
 */
export function powerAndEnergy(event: OcppMeterSampled): { powerW?: number; energyWh?: number } {
  let total: number | undefined;
  let phaseSum: number | undefined;
  let energyWh: number | undefined;
  for (const s of event.samples) {
    if (s.measurand === 'Power.Active.Import') {
      const w = s.unit === 'kW' ? s.value * 1000 : s.value;
      if (s.phase === undefined || s.phase === 'N') total = w;
      else if (/^L\d$/.test(s.phase)) phaseSum = (phaseSum ?? 0) + w;
    } else if (s.measurand === 'Energy.Active.Import.Register' && s.phase === undefined) {
      energyWh = s.unit === 'kWh' ? s.value * 1000 : s.value;
    }
  }
  return { powerW: total ?? phaseSum, energyWh };
}

/**
 * The current the EV draws, from one meter reading: the highest `Current.Import` of its phases (or
 * the total when the charger sends no phase). Without a current, a power below `idleW` means 0 A.
 */
export function evCurrentA(samples: readonly { measurand: string; value: number; unit?: string; phase?: string }[], powerW: number | undefined, idleW = 100): number | undefined {
  let highest: number | undefined;
  for (const s of samples) {
    // Unit A only: a charger that leaves the unit out gets OCPP's default (Wh) and a number we cannot trust.
    if (s.measurand !== 'Current.Import' || s.unit !== 'A' || (s.phase !== undefined && !/^L\d(-N)?$/.test(s.phase))) continue;
    highest = Math.max(highest ?? 0, s.value);
  }
  if (highest !== undefined) return highest;
  return powerW !== undefined && powerW < idleW ? 0 : undefined;
}
