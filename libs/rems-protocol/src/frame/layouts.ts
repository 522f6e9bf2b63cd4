/**
 * Table-driven layouts of the KEA REMS upload frame payloads (§7 of the REMS guide). Offsets are
 * from the frame start (the 5-byte REMS header included); every integer is unsigned big-endian.
 */

/** How the bytes of one field are read. */
export type FieldKind = 'u8' | 'u16' | 'u32' | 'u64' | 'temp';

export interface FieldDef {
  offset: number;
  kind: FieldKind;
  /** Field name with its unit as suffix, e.g. `pvVoltageV`, `frequencyHz`, `heatProducedKwh`. */
  name: string;
  /** Multiplier from the raw integer to the unit in the name (default 1). */
  scale?: number;
  /** Marks a field whose meaning the public sources dispute; decoded, but not to be relied on. */
  disputed?: boolean;
}

/** Lifetime counter whose deltas feed the energy graph. */
export interface EnergyCounterDef {
  /** Name of a `u64` field of the layout. */
  field: string;
  /** Wh per raw unit (e.g. 0.01 kcal → 0.01163 Wh). */
  whPerUnit: number;
}

/** Energy source names as the bus contract spells them (`RemsEnergySource`). */
export type EnergySourceName = 'solar' | 'wind' | 'geothermal' | 'solar_thermal' | 'heat_pump' | 'fuel_cell' | 'other';

export type Confidence = 'high' | 'medium-high' | 'medium' | 'low';

export interface FrameLayout {
  /** `EE/TT` in hex: energy source and type bytes, e.g. `01/02`. */
  key: string;
  description: string;
  energySource: EnergySourceName;
  confidence: Confidence;
  /** Expected frame length in bytes, header included. */
  length: number;
  /** Other lengths known devices send that are not "truncated" (e.g. geothermal load side without its fault word). */
  alternativeLengths?: number[];
  fields: FieldDef[];
  /** Offset of the 2-byte fault/status word (always the last field). */
  faultOffset: number;
  /** Whether the full solar fault table applies (otherwise only bit 0 is defined). */
  solarFaults: boolean;
  /** Grid-side phases (PV only). */
  phases?: 1 | 3;
  /** Field carrying AC output power in W, when the type has one. */
  powerField?: string;
  counter?: EnergyCounterDef;
}

/** 1 kcal = 0.001163 kWh = 1.163 Wh. */
const WH_PER_KCAL = 1.163;

const u16 = (offset: number, name: string, scale?: number): FieldDef => ({ offset, kind: 'u16', name, scale });
const u32 = (offset: number, name: string, scale?: number): FieldDef => ({ offset, kind: 'u32', name, scale });
const u64 = (offset: number, name: string, scale?: number): FieldDef => ({ offset, kind: 'u64', name, scale });
const temp = (offset: number, name: string): FieldDef => ({ offset, kind: 'temp', name, scale: 0.1 });

/** Every payload layout with a documented structure, by `EE/TT` key. ESS (`07/01`) is deliberately absent. */
export const FRAME_LAYOUTS: Readonly<Record<string, FrameLayout>> = {
  '01/01': {
    key: '01/01',
    description: 'solar PV, single-phase',
    energySource: 'solar',
    confidence: 'high',
    length: 31,
    phases: 1,
    fields: [
      u16(5, 'pvVoltageV'), u16(7, 'pvCurrentA'), u16(9, 'pvPowerW'),
      u16(11, 'gridVoltageV'), u16(13, 'gridCurrentA'), u16(15, 'outputPowerW'),
      u16(17, 'powerFactorPct', 0.1), u16(19, 'frequencyHz', 0.1), u64(21, 'generationWh'),
    ],
    faultOffset: 29,
    solarFaults: true,
    powerField: 'outputPowerW',
    counter: { field: 'generationWh', whPerUnit: 1 },
  },
  '01/02': {
    key: '01/02',
    description: 'solar PV, three-phase',
    energySource: 'solar',
    confidence: 'medium-high',
    length: 43,
    phases: 3,
    fields: [
      u16(5, 'pvVoltageV'), u16(7, 'pvCurrentA'), u32(9, 'pvPowerW'),
      u16(13, 'gridVoltageRV'), u16(15, 'gridVoltageSV'), u16(17, 'gridVoltageTV'),
      u16(19, 'gridCurrentRA'), u16(21, 'gridCurrentSA'), u16(23, 'gridCurrentTA'),
      u32(25, 'outputPowerW'), u16(29, 'powerFactorPct', 0.1), u16(31, 'frequencyHz', 0.1), u64(33, 'generationWh'),
    ],
    faultOffset: 41,
    solarFaults: true,
    powerField: 'outputPowerW',
    counter: { field: 'generationWh', whPerUnit: 1 },
  },
  '02/01': {
    key: '02/01',
    description: 'solar thermal, forced circulation',
    energySource: 'solar_thermal',
    confidence: 'medium',
    length: 43,
    fields: [
      temp(5, 'collectorInC'), temp(7, 'collectorOutC'), temp(9, 'tankTopC'), temp(11, 'tankBottomC'),
      u32(13, 'flowLpm', 0.1), u64(17, 'heatProducedKcal', 0.01), temp(25, 'feedWaterC'), temp(27, 'hotWaterC'),
      u32(29, 'consumptionFlowLpm', 0.1), u64(33, 'heatUsedKcal', 0.01),
    ],
    faultOffset: 41,
    solarFaults: false,
    counter: { field: 'heatProducedKcal', whPerUnit: 0.01 * WH_PER_KCAL },
  },
  '02/02': {
    key: '02/02',
    description: 'solar thermal, natural circulation',
    energySource: 'solar_thermal',
    confidence: 'medium',
    length: 23,
    fields: [temp(5, 'feedWaterC'), temp(7, 'hotWaterC'), u32(9, 'flowLpm', 0.1), u64(13, 'heatUsedKcal', 0.01)],
    faultOffset: 21,
    solarFaults: false,
    // The natural-circulation frame has no "heat produced" counter; heat used is the closest.
    counter: { field: 'heatUsedKcal', whPerUnit: 0.01 * WH_PER_KCAL },
  },
  '03/01': {
    key: '03/01',
    description: 'geothermal heat pump',
    energySource: 'heat_pump',
    confidence: 'medium',
    length: 46,
    fields: [
      u16(5, 'voltageV'), u16(7, 'currentA'), u16(9, 'powerW'), u32(11, 'heatOutputW'),
      u64(15, 'heatProducedKwh', 0.1), u64(23, 'electricityUsedKwh', 0.1),
      { offset: 31, kind: 'u8', name: 'operatingState' },
      temp(32, 'groundLoopInC'), temp(34, 'groundLoopOutC'), temp(36, 'hvacInC'), temp(38, 'hvacOutC'),
      u32(40, 'waterFlowLpm', 0.1),
    ],
    faultOffset: 44,
    solarFaults: false,
    counter: { field: 'heatProducedKwh', whPerUnit: 100 },
  },
  '03/02': {
    key: '03/02',
    description: 'geothermal load side',
    energySource: 'geothermal',
    confidence: 'medium',
    length: 39,
    alternativeLengths: [37],
    fields: [
      temp(5, 'hvacInC'), temp(7, 'hvacOutC'), u32(9, 'hvacFlowLpm', 0.1), u64(13, 'hvacHeatUsedKwh', 0.1),
      temp(21, 'supplyFeedC'), temp(23, 'supplyHotC'), u32(25, 'supplyFlowLpm', 0.1), u64(29, 'supplyHeatUsedKwh', 0.1),
    ],
    faultOffset: 37,
    solarFaults: false,
    counter: { field: 'hvacHeatUsedKwh', whPerUnit: 100 },
  },
  '04/01': {
    key: '04/01',
    description: 'wind',
    energySource: 'wind',
    confidence: 'medium',
    length: 29,
    fields: [
      u16(5, 'generatorVoltageV'), u16(7, 'generatorCurrentA'), u16(9, 'generatorPowerW'),
      u16(11, 'gridVoltageV'), u16(13, 'gridCurrentA'), u16(15, 'outputPowerW'),
      u16(17, 'frequencyHz', 0.1), u64(19, 'generationWh'),
    ],
    faultOffset: 27,
    solarFaults: false,
    powerField: 'outputPowerW',
    counter: { field: 'generationWh', whPerUnit: 1 },
  },
  '06/01': {
    key: '06/01',
    description: 'fuel cell',
    energySource: 'fuel_cell',
    confidence: 'medium',
    length: 61,
    fields: [
      u16(5, 'inputVoltageV'), u16(7, 'inputCurrentA'), u16(9, 'inputPowerW'),
      u16(11, 'outputVoltageV'), u16(13, 'outputCurrentA'), u16(15, 'outputPowerW'),
      u16(17, 'heatOutputW'), u64(19, 'heatProducedKwh', 0.1), u64(27, 'heatUsedKwh', 0.1),
      // Previous-day heat used vs cumulative electricity used: the two sources disagree.
      { ...u64(35, 'counter35Raw'), disputed: true },
      temp(43, 'feedWaterC'), temp(45, 'outletC'),
      // Power factor vs efficiency: the two sources disagree.
      { ...u16(47, 'field47Pct', 0.1), disputed: true },
      u16(49, 'frequencyHz', 0.1), u64(51, 'generationWh'),
    ],
    faultOffset: 59,
    solarFaults: false,
    powerField: 'outputPowerW',
    counter: { field: 'generationWh', whPerUnit: 1 },
  },
};

/** Size in bytes of a field kind. */
export function fieldSize(kind: FieldKind): number {
  switch (kind) {
    case 'u8':
      return 1;
    case 'u16':
    case 'temp':
      return 2;
    case 'u32':
      return 4;
    case 'u64':
      return 8;
  }
}

/** Energy source byte → contract name, for frames without a known layout. */
export function energySourceOf(energy: number, type: number): EnergySourceName {
  switch (energy) {
    case 0x01:
      return 'solar';
    case 0x02:
      return 'solar_thermal';
    case 0x03:
      return type === 0x01 ? 'heat_pump' : 'geothermal';
    case 0x04:
      return 'wind';
    case 0x06:
      return 'fuel_cell';
    default:
      return 'other';
  }
}

/** `EE/TT` key of two header bytes. */
export function layoutKey(energy: number, type: number): string {
  return `${hex2(energy)}/${hex2(type)}`;
}

export function hex2(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
