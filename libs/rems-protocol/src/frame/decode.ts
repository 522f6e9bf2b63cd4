import { interpretFaultWord, OTHER_FAULT_FLAGS, SOLAR_FAULT_FLAGS, type FaultState } from './faults.js';
import { energySourceOf, FRAME_LAYOUTS, fieldSize, layoutKey, type Confidence, type EnergySourceName, type FieldDef, type FrameLayout } from './layouts.js';

/** Byte 0 of every REMS upload frame ("data upload"). */
export const REMS_UPLOAD_COMMAND = 0x14;
export const REMS_HEADER_LENGTH = 5;
/** KEA solar RTUs address at most 4 inverters (ports 0–3). */
export const MAX_KEA_SOLAR_PORT = 3;

/** Non-zero error codes of the header (byte 4). */
export const REMS_ERROR_CODES: Readonly<Record<number, string>> = {
  0x38: 'serial_port_failure',
  0x39: 'no_inverter_response',
};

/**
 * Problems noticed while decoding; they flag a frame, never reject it (the raw frame is always kept).
 * - `notRemsFrame`: shorter than the header or byte 0 is not 0x14;
 * - `unknownLayout`: energy/type without a trusted layout (e.g. ESS), nothing decoded;
 * - `truncated` / `faultWordMissing` / `overLength`: length policy of §8;
 * - `invalidTemperature`: a temperature with a sign nibble other than 0 or F (field left out);
 * - `implausible`: PV V×A far from PV W (e.g. the guide's synthetic sample);
 * - `multiMismatch`, `portOutOfRange`, `typeMismatch`: cross-checks against the request and the module.
 */
export type FrameFlag =
  | 'notRemsFrame'
  | 'unknownLayout'
  | 'errorFrame'
  | 'truncated'
  | 'faultWordMissing'
  | 'overLength'
  | 'invalidTemperature'
  | 'implausible'
  | 'multiMismatch'
  | 'portOutOfRange'
  | 'typeMismatch';

/**
 * What a frame is: a `reading` (a payload was decoded, possibly partly), an `error` frame
 * (0x38/0x39 or another non-zero code: device state only), a data-less `heartbeat` (wind `04/00`),
 * or something stored raw without decoding (`not_rems`, `unknown_layout`).
 */
export type FrameKind = 'reading' | 'error' | 'heartbeat' | 'not_rems' | 'unknown_layout';

export interface RemsFrameHeader {
  command: number;
  energy: number;
  type: number;
  /** 0-based inverter index on the RTU's RS485 bus. */
  multi: number;
  errorCode: number;
}

/** A complete lifetime counter, converted to Wh for the energy graph. */
export interface EnergyCounter {
  field: string;
  raw: bigint;
  whPerUnit: number;
}

export interface DecodedRemsFrame {
  kind: FrameKind;
  /** Frame length in bytes. */
  length: number;
  header?: RemsFrameHeader;
  /** `EE/TT`, e.g. `01/01`. */
  layoutKey?: string;
  energySource?: EnergySourceName;
  confidence?: Confidence;
  phases?: 1 | 3;
  /** Every completely received field, scaled to the unit in its name (counters only below 2^53). */
  values: Record<string, number>;
  /** Raw `u64` counters, exact. */
  counters: Record<string, bigint>;
  /** The counter that counts for energy; absent unless it was received completely. */
  energyCounter?: EnergyCounter;
  /** AC output power in W, null when the type has none or it was not received. */
  powerW: number | null;
  /** Undefined when the frame has no fault word or it was cut off: unknown is not "OK". */
  fault?: FaultState;
  flags: FrameFlag[];
  /** Layout fields that were not (completely) received. */
  missingFields: string[];
  /** Hex of the bytes of a field that was cut off. */
  trailingPartial?: string;
  /** For error frames: the error's name. */
  errorName?: string;
}

/** What the request and the module configuration say about the frame, for cross-checks. */
export interface DecodeContext {
  /** HTTP `multi` / MQTT `port`. */
  port?: number;
  /** `EE/TT` layout key configured for the module on that port. */
  expectedLayoutKey?: string;
}

/** Decodes a KEA REMS upload frame; never throws for any input bytes. */
export function decodeRemsFrame(bytes: Uint8Array, context: DecodeContext = {}): DecodedRemsFrame {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Result objects are written out field by field rather than spread from shared parts: this runs
  // for every frame (thousands a second), and each spread is another object to collect.
  if (buf.length < REMS_HEADER_LENGTH || buf[0] !== REMS_UPLOAD_COMMAND) {
    return { length: buf.length, values: {}, counters: {}, powerW: null, missingFields: [], kind: 'not_rems', flags: ['notRemsFrame'] };
  }
  const header: RemsFrameHeader = { command: buf[0], energy: buf[1], type: buf[2], multi: buf[3], errorCode: buf[4] };
  const key = layoutKey(header.energy, header.type);
  const energySource = energySourceOf(header.energy, header.type);
  const flags = crossCheckFlags(header, key, context);
  const layout = FRAME_LAYOUTS[key];
  if (header.errorCode === 0 && key !== '04/00' && layout !== undefined) return decodePayload(buf, layout, header, key, energySource, flags);

  const frame: DecodedRemsFrame = { length: buf.length, values: {}, counters: {}, powerW: null, missingFields: [], header, layoutKey: key, energySource, kind: 'heartbeat', flags };
  if (header.errorCode !== 0) {
    frame.kind = 'error';
    frame.flags = ['errorFrame', ...flags];
    frame.errorName = REMS_ERROR_CODES[header.errorCode] ?? 'unknown_error';
  } else if (key !== '04/00') {
    frame.kind = 'unknown_layout';
    frame.flags = ['unknownLayout', ...flags];
  }
  return frame;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function decodePayload(buf: Buffer, layout: FrameLayout, header: RemsFrameHeader, key: string, energySource: EnergySourceName, flags: FrameFlag[]): DecodedRemsFrame {
  const values: Record<string, number> = {};
  const counters: Record<string, bigint> = {};
  const missingFields: string[] = [];
  let partialFrom: number | undefined;

  for (const field of layout.fields) {
    const end = field.offset + fieldSize(field.kind);
    if (end > buf.length) {
      missingFields.push(field.name);
      if (field.offset < buf.length) partialFrom = field.offset;
      continue;
    }
    const value = readField(buf, field);
    if (typeof value === 'bigint') {
      counters[field.name] = value;
      if (value <= MAX_SAFE) values[field.name] = scaled(Number(value), field.scale);
    } else if (value === undefined) {
      if (!flags.includes('invalidTemperature')) flags.push('invalidTemperature');
    } else {
      values[field.name] = value;
    }
  }

  let fault: FaultState | undefined;
  const faultEnd = layout.faultOffset + 2;
  const knownShortVariant = layout.alternativeLengths?.includes(buf.length) === true && buf.length <= layout.faultOffset;
  if (faultEnd <= buf.length) {
    fault = interpretFaultWord(buf.readUInt16BE(layout.faultOffset), layout.solarFaults ? SOLAR_FAULT_FLAGS : OTHER_FAULT_FLAGS);
  } else {
    missingFields.push('faultBits');
    if (layout.faultOffset < buf.length) partialFrom = layout.faultOffset;
    if (missingFields.length === 1) flags.push('faultWordMissing');
  }
  if (buf.length < layout.length && !knownShortVariant) flags.push('truncated');
  if (buf.length > layout.length) flags.push('overLength');

  const counterDef = layout.counter;
  const raw = counterDef ? counters[counterDef.field] : undefined;
  const energyCounter = counterDef && raw !== undefined ? { field: counterDef.field, raw, whPerUnit: counterDef.whPerUnit } : undefined;
  const powerW = layout.powerField !== undefined ? (values[layout.powerField] ?? null) : null;
  if (layout.energySource === 'solar' && isImplausiblePv(values)) flags.push('implausible');

  return {
    length: buf.length,
    header,
    layoutKey: key,
    energySource,
    kind: 'reading',
    confidence: layout.confidence,
    phases: layout.phases,
    values,
    counters,
    energyCounter,
    powerW,
    fault,
    flags,
    missingFields,
    trailingPartial: partialFrom !== undefined ? buf.subarray(partialFrom).toString('hex') : undefined,
  };
}

function readField(buf: Buffer, field: FieldDef): number | bigint | undefined {
  switch (field.kind) {
    case 'u8':
      return scaled(buf.readUInt8(field.offset), field.scale);
    case 'u16':
      return scaled(buf.readUInt16BE(field.offset), field.scale);
    case 'u32':
      return scaled(buf.readUInt32BE(field.offset), field.scale);
    case 'u64':
      return buf.readBigUInt64BE(field.offset);
    case 'temp':
      return decodeTemperature(buf.readUInt16BE(field.offset));
  }
}

/**
 * Sign-magnitude temperature: top nibble 0 (positive) or F (negative), low 12 bits ×0.1 °C.
 * Returns undefined for any other sign nibble.
 */
export function decodeTemperature(word: number): number | undefined {
  const sign = word >> 12;
  const magnitude = scaled(word & 0x0fff, 0.1);
  if (sign === 0x0) return magnitude;
  if (sign === 0xf) return magnitude === 0 ? 0 : -magnitude;
  return undefined;
}

/**
 * Scales without binary noise (999 × 0.1 → 99.9, not 99.90000000000001): the value is the scaled
 * product rounded to 12 significant digits. For the layouts' scales 0.1 and 0.01 and raw values
 * below 1e10 (every u8, u16, u32 and temperature) that is exactly raw / 10 or raw / 100, a
 * correctly rounded division that costs no string round trip (proved against the general form
 * in decode.spec.ts); larger raw values (u64 counters) and other scales take the general form.
 */
export function scaled(raw: number, scale = 1): number {
  if (scale === 1) return raw;
  if (raw < 1e10) {
    if (scale === 0.1) return raw / 10;
    if (scale === 0.01) return raw / 100;
  }
  return Number((raw * scale).toPrecision(12));
}

/**
 * PV power cannot exceed V × (A + 1) (current has whole-amp resolution), and an apparent V × A
 * twenty times the reported power (beyond one amp of rounding) is not a working inverter either.
 */
function isImplausiblePv(values: Record<string, number>): boolean {
  const v = values.pvVoltageV;
  const a = values.pvCurrentA;
  const w = values.pvPowerW;
  if (v === undefined || a === undefined || w === undefined) return false;
  if (w > v * (a + 1) * 1.1 + 10) return true;
  return w * 20 < v * a - v;
}

function crossCheckFlags(header: RemsFrameHeader, key: string, context: DecodeContext): FrameFlag[] {
  const flags: FrameFlag[] = [];
  if (context.port !== undefined && context.port !== header.multi) flags.push('multiMismatch');
  if (context.port !== undefined && header.energy === 0x01 && context.port > MAX_KEA_SOLAR_PORT) flags.push('portOutOfRange');
  if (context.expectedLayoutKey !== undefined && context.expectedLayoutKey !== key) flags.push('typeMismatch');
  return flags;
}
