/**
 * Fault/status word of KEA solar frames (§7.3 of the REMS guide). A set bit means the condition is
 * present; bit 0 is a state ("not running", normal at night), not a fault.
 */
export const SOLAR_FAULT_FLAGS: readonly (readonly [mask: number, flag: string])[] = [
  [0x0001, 'not_running'],
  [0x0002, 'pv_over_voltage'],
  [0x0004, 'pv_under_voltage'],
  [0x0008, 'pv_over_current'],
  [0x0010, 'inverter_igbt_error'],
  [0x0020, 'inverter_over_temperature'],
  [0x0040, 'grid_over_voltage'],
  [0x0080, 'grid_under_voltage'],
  [0x0100, 'grid_over_current'],
  [0x0200, 'grid_over_frequency'],
  [0x0400, 'grid_under_frequency'],
  [0x0800, 'islanding'],
  [0x1000, 'ground_fault'],
];

/** Non-solar types define only bit 0. */
export const OTHER_FAULT_FLAGS: readonly (readonly [mask: number, flag: string])[] = [[0x0001, 'not_running']];

export interface FaultState {
  faultBits: number;
  running: boolean;
  hasFault: boolean;
  /** Names of the active bits, including `not_running`; undefined bits show as `bit_N`. */
  flags: string[];
}

/** Interprets a fault word with the table of its energy source. */
export function interpretFaultWord(bits: number, table: typeof SOLAR_FAULT_FLAGS): FaultState {
  const flags: string[] = [];
  for (let bit = 0; bit < 16; bit++) {
    const mask = 1 << bit;
    if ((bits & mask) === 0) continue;
    flags.push(table.find(([m]) => m === mask)?.[1] ?? `bit_${bit}`);
  }
  return { faultBits: bits, running: (bits & 1) === 0, hasFault: (bits & 0xfffe) !== 0, flags };
}
