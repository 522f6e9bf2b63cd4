import type { OcppMeterSampled } from '@cpo/contracts';

/** The line a per-phase value was measured on: `L1` and `L1-N` both; the neutral and line-to-line values are no part of a sum. */
const LINE = /^(L\d)(?:-N)?$/;

/**
 * Power and energy of one meter reading, in W and Wh. Per-phase values (`L1` or `L1-N`, once per
 * line) are summed; a total (no phase) wins over phase values when a charger sends both. The
 * neutral (`N`) is never a total: taken as one, a neutral power of tens of watts hid the EV's draw.
 * Energy is the import register (the per-phase registers summed when there is no total).
 */
export function powerAndEnergy(event: OcppMeterSampled): { powerW?: number; energyWh?: number } {
  let total: number | undefined;
  let energyWh: number | undefined;
  let phasePower: Map<string, number> | undefined;
  let phaseEnergy: Map<string, number> | undefined;
  for (const s of event.samples) {
    if (s.measurand === 'Power.Active.Import') {
      const w = s.unit === 'kW' ? s.value * 1000 : s.value;
      if (s.phase === undefined) total = w;
      else {
        const line = LINE.exec(s.phase)?.[1];
        if (line !== undefined) (phasePower ??= new Map()).set(line, w);
      }
    } else if (s.measurand === 'Energy.Active.Import.Register') {
      const wh = s.unit === 'kWh' ? s.value * 1000 : s.value;
      if (s.phase === undefined) energyWh = wh;
      else {
        const line = LINE.exec(s.phase)?.[1];
        if (line !== undefined) (phaseEnergy ??= new Map()).set(line, wh);
      }
    }
  }
  return { powerW: total ?? sum(phasePower), energyWh: energyWh ?? sum(phaseEnergy) };
}

function sum(values: Map<string, number> | undefined): number | undefined {
  if (values === undefined) return undefined;
  let total = 0;
  for (const v of values.values()) total += v;
  return total;
}

/**
 * The current the EV draws, from one meter reading: the highest `Current.Import` of its phases (or
 * the total when the charger sends no phase). Without a current, a power below `idleW` means 0 A.
 */
export function evCurrentA(samples: readonly { measurand: string; value: number; unit?: string; phase?: string }[], powerW: number | undefined, idleW = 100): number | undefined {
  let highest: number | undefined;
  for (const s of samples) {
    // Unit A only (the ocpp service publishes a unit-less current as A): any other unit is a number we cannot trust.
    if (s.measurand !== 'Current.Import' || s.unit !== 'A' || (s.phase !== undefined && !/^L\d(-N)?$/.test(s.phase))) continue;
    highest = Math.max(highest ?? 0, s.value);
  }
  if (highest !== undefined) return highest;
  return powerW !== undefined && powerW < idleW ? 0 : undefined;
}
