import { parseOcppTime } from '../time.js';

type Payload = Record<string, unknown>;

/**
 * Transaction messages are acknowledged whenever their core fields parse (guide §1.10, §2.1): a
 * CallError makes the charger resend, then discard the message, and the session's billing data
 * is lost. "Parse" is read as the field's meaning, not its JSON type: serialisers in the field
 * write `"connectorId":"1"`, a register of `1000.5` Wh, a sampled value as the number `1500`, or
 * `""` for an optional field they have no value for. Those are read here (the message is then
 * processed and counted as a soft violation by the dispatcher); what cannot be read (`"abc"`, a
 * missing id) is left as sent, for the core-field check to refuse.
 */
const TRANSACTION_MESSAGES = new Set(['StartTransaction', 'StopTransaction', 'MeterValues']);

/** Ids and connectors: an integer-valued number or numeric string; never rounded (8.5 names nothing). */
const INTEGER_FIELDS: Readonly<Record<string, readonly string[]>> = {
  StartTransaction: ['connectorId', 'reservationId'],
  StopTransaction: ['transactionId'],
  MeterValues: ['connectorId', 'transactionId'],
};

/** Meter registers in Wh: any number or numeric string, to the nearest Wh (roundHalfEven). */
const REGISTER_FIELDS: Readonly<Record<string, readonly string[]>> = {
  StartTransaction: ['meterStart'],
  StopTransaction: ['meterStop'],
};

/**
 * Optional fields whose `""` (or blanks) means "none": an empty reservationId or transactionId is
 * no id, and an empty stop reason is an absent one (OCPP 1.6: `Local`). Not StopTransaction's
 * idTag: `""` is schema-valid there and stored as sent.
 */
const BLANK_AS_ABSENT: Readonly<Record<string, readonly string[]>> = {
  StartTransaction: ['reservationId'],
  StopTransaction: ['reason', 'transactionData'],
  MeterValues: ['transactionId'],
};

const READINGS: Readonly<Record<string, string>> = {
  StopTransaction: 'transactionData',
  MeterValues: 'meterValue',
};

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A JSON number, or a decimal string (surrounding blanks ignored) as its number; else undefined. */
function numeric(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return DECIMAL.test(t) ? Number(t) : undefined;
}

/**
 * PostgreSQL's round(float8) (rint: ties to even), not Math.round (ties up). A decimal meterStart
 * or meterStop becomes the Wh a register reading of the same value is stored as (the session's
 * register series compares the two): 1000.5 → 1000, 1001.5 → 1002, 1000.7 → 1001.
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The integer a field means, or the field as sent when it means none. */
export function readInteger(v: unknown): unknown {
  const n = numeric(v);
  return n !== undefined && Number.isInteger(n) ? n : v;
}

/** The register in whole Wh a field means, or the field as sent when it is not a finite number. */
export function readRegisterWh(v: unknown): unknown {
  const n = numeric(v);
  return n !== undefined && Number.isFinite(n) ? roundHalfEven(n) : v;
}

/**
 * A sampled value sent as a number is its decimal text (the schema's string). A reading that
 * cannot be stored (no readable timestamp, no sample list) and a sample without a value (`null`
 * from signed-data firmware) are left out: one of them refused the whole StopTransaction, which the
 * charger then discarded with the session's billing (guide §2.1). The stop's transactionData is
 * kept as sent besides; the message counts as a soft violation.
 */
function readSampledValues(list: unknown): unknown {
  if (!Array.isArray(list)) return list;
  let changed = false;
  const read: unknown[] = [];
  for (const mv of list) {
    if (!isReadableReading(mv)) {
      changed = true;
      continue;
    }
    const values = mv.sampledValue;
    if (values.every((sv) => isSample(sv) && typeof sv.value === 'string')) {
      read.push(mv);
      continue;
    }
    changed = true;
    const kept = values.filter((sv): sv is Payload => isSample(sv) && (typeof sv.value === 'string' || isNumericSample(sv)));
    read.push({ ...mv, sampledValue: kept.map((sv) => (isNumericSample(sv) ? { ...sv, value: String(sv.value) } : sv)) });
  }
  return changed ? read : list;
}

const isSample = (sv: unknown): sv is Payload => typeof sv === 'object' && sv !== null;

const isNumericSample = (sv: unknown): sv is Payload & { value: number } => isSample(sv) && typeof sv['value'] === 'number' && Number.isFinite(sv['value']);

function isReadableReading(mv: unknown): mv is Payload & { sampledValue: unknown[] } {
  if (!isSample(mv) || !Array.isArray(mv['sampledValue']) || typeof mv['timestamp'] !== 'string') return false;
  try {
    parseOcppTime(mv['timestamp']);
    return true;
  } catch {
    return false;
  }
}

/** The transaction message with its core fields read as described above (the same object when nothing changed); other actions as sent. */
export function readTransactionFields(action: string, p: Payload): Payload {
  if (!TRANSACTION_MESSAGES.has(action)) return p;
  let copy: Payload | undefined;
  const put = (field: string, value: unknown) => {
    if (Object.is(p[field], value)) return;
    copy ??= { ...p };
    copy[field] = value;
  };
  for (const f of BLANK_AS_ABSENT[action] ?? []) {
    const v = p[f];
    if (typeof v === 'string' && v.trim() === '') {
      copy ??= { ...p };
      delete copy[f];
    }
  }
  const from = (): Payload => copy ?? p;
  for (const f of INTEGER_FIELDS[action] ?? []) if (from()[f] !== undefined) put(f, readInteger(from()[f]));
  for (const f of REGISTER_FIELDS[action] ?? []) if (from()[f] !== undefined) put(f, readRegisterWh(from()[f]));
  const readings = READINGS[action];
  if (readings !== undefined && from()[readings] !== undefined) put(readings, readSampledValues(from()[readings]));
  return copy ?? p;
}
