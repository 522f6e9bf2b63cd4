/**
 * Module types an operator configures per port, and the frame layout (`EE/TT`) each one sends.
 * A frame of another layout on that port is flagged `typeMismatch`.
 */
export const REMS_MODULE_TYPES = {
  SOLAR_PV_SINGLE: '01/01',
  SOLAR_PV_THREE: '01/02',
  SOLAR_THERMAL_FORCED: '02/01',
  SOLAR_THERMAL_NATURAL: '02/02',
  GEOTHERMAL_HEAT_PUMP: '03/01',
  GEOTHERMAL_LOAD: '03/02',
  WIND: '04/01',
  FUEL_CELL: '06/01',
  ESS: '07/01',
} as const;

export type RemsModuleType = keyof typeof REMS_MODULE_TYPES;

export const RemsModuleTypeNames = Object.keys(REMS_MODULE_TYPES) as RemsModuleType[];

export function layoutKeyOfModuleType(moduleType: string): string | undefined {
  return (REMS_MODULE_TYPES as Record<string, string>)[moduleType];
}

/** KEA solar modules (ports 0–3 only on a KEA solar RTU). */
export function isSolarModuleType(moduleType: string): boolean {
  return moduleType === 'SOLAR_PV_SINGLE' || moduleType === 'SOLAR_PV_THREE';
}
