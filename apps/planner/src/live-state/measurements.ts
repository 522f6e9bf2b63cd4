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
