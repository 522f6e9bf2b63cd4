import { parseOcppTime } from '../time.js';
import { readTransactionFields } from './transaction-fields.js';

const INT32_MAX = 2_147_483_647;
const INT32_MIN = -2_147_483_648;

type Payload = Record<string, unknown>;

const int = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const text = (v: unknown, max: number) => typeof v === 'string' && v.length >= 1 && v.length <= max;
const time = (v: unknown) => {
  if (typeof v !== 'string') return false;
  try {
    parseOcppTime(v);
    return true;
  } catch {
    return false;
  }
};

/**
 * Empty lists are schema-valid (no minItems) and carry nothing to lose: a MeterValues is always
 * answered (guide §2.1), and a reading without samples is simply not stored.
 */
function meterValueProblem(list: unknown, field: string): string | undefined {
  if (!Array.isArray(list)) return `${field} must be an array`;
  for (const [i, mv] of list.entries()) {
    if (typeof mv !== 'object' || mv === null) return `${field}[${i}] must be an object`;
    const { timestamp, sampledValue } = mv as Payload;
    if (!time(timestamp)) return `${field}[${i}].timestamp must be a date-time`;
    if (!Array.isArray(sampledValue)) return `${field}[${i}].sampledValue must be an array`;
    const bad = sampledValue.findIndex((sv) => typeof sv !== 'object' || sv === null || typeof (sv as Payload)['value'] !== 'string');
    if (bad >= 0) return `${field}[${i}].sampledValue[${bad}].value must be a string`;
  }
  return undefined;
}

/**
 * The fields without which a message cannot be stored at all, with the ranges the database and
 * most charger firmware (int32 ids) hold. Transaction messages that break the schema elsewhere are
 * still processed (guide §2.1); these fields are the line below which there is nothing to keep.
 * Checked on the payload as read (withoutNullOptionals): a transaction message's `"1"` or `1000.5`
 * has been read as its integer by then, only what means no integer is left to refuse.
 */
export function coreFieldProblem(action: string, p: Payload): string | undefined {
  switch (action) {
    // Without a tag there is nothing to decide: processed anyway it asked roaming partners about
    // `undefined` and answered that non-tag with an idTagInfo (Accepted under an accepting default).
    // An empty one is schema-valid (no minLength): answered as an unknown tag, like its start.
    case 'Authorize':
      return p['idTag'] === '' || text(p['idTag'], 255) ? undefined : 'idTag must be a string of at most 255 characters';
    // The vendor id routes the message to its plug-in: without one the routing itself failed (InternalError).
    case 'DataTransfer':
      return typeof p['vendorId'] === 'string' ? undefined : 'vendorId must be a string';
    case 'StartTransaction':
      if (!int(p['connectorId'], 1, INT32_MAX)) return 'connectorId must be an integer from 1';
      // The OCA schema sets no minLength: a free-vend charger starts with an empty idTag, and a start
      // refused here is resent, then discarded by the charger (guide §2.1): the session would be lost.
      if (!(p['idTag'] === '' || text(p['idTag'], 255))) return 'idTag must be a string of at most 255 characters';
      if (!int(p['meterStart'], Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)) return 'meterStart must be an integer (Wh)';
      if (!time(p['timestamp'])) return 'timestamp must be a date-time';
      if (p['reservationId'] !== undefined && !int(p['reservationId'], INT32_MIN, INT32_MAX)) return 'reservationId must be a 32-bit integer';
      return undefined;
    case 'StopTransaction':
      if (!int(p['transactionId'], INT32_MIN, INT32_MAX)) return 'transactionId must be a 32-bit integer';
      if (!int(p['meterStop'], Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)) return 'meterStop must be an integer (Wh)';
      if (!time(p['timestamp'])) return 'timestamp must be a date-time';
      // The OCA schema sets no minLength here: an empty idTag is stored and treated as no idTag.
      if (p['idTag'] !== undefined && !(p['idTag'] === '' || text(p['idTag'], 255))) return 'idTag must be a string of at most 255 characters';
      return p['transactionData'] === undefined ? undefined : meterValueProblem(p['transactionData'], 'transactionData');
    case 'MeterValues':
      if (!int(p['connectorId'], 0, INT32_MAX)) return 'connectorId must be an integer from 0';
      if (p['transactionId'] !== undefined && !int(p['transactionId'], INT32_MIN, INT32_MAX)) return 'transactionId must be a 32-bit integer';
      return meterValueProblem(p['meterValue'], 'meterValue');
    case 'StatusNotification':
      if (!int(p['connectorId'], 0, INT32_MAX)) return 'connectorId must be an integer from 0';
      // Stored as sent, in any spelling (1.5's Occupied under lenient), but never as nothing (NOT NULL).
      if (typeof p['status'] !== 'string') return 'status must be a string';
      return typeof p['errorCode'] === 'string' ? undefined : 'errorCode must be a string';
    default:
      return undefined;
  }
}

/**
 * Optional top-level fields of the messages processed below the schema, which some chargers'
 * serialisers write as `null` when absent. Read as absent: as `null` a StopTransaction's idTag or
 * transactionData, a MeterValues' transactionId or a StartTransaction's reservationId failed the
 * core fields, and the charger resent the message until it discarded it (billing data lost).
 */
const NULLABLE_OPTIONALS: Readonly<Record<string, readonly string[]>> = {
  StartTransaction: ['reservationId'],
  StopTransaction: ['idTag', 'reason', 'transactionData'],
  MeterValues: ['transactionId'],
  StatusNotification: ['info', 'timestamp', 'vendorId', 'vendorErrorCode'],
  DataTransfer: ['messageId', 'data'],
};

/**
 * The payload as read below the schema (under `off`, or a schema violation processed leniently):
 * without its optional fields sent as `null`, and for the transaction messages with their core
 * fields read (numeric strings, decimal registers, numeric sampled values, `""` for none:
 * transaction-fields.ts). The same object when nothing changed.
 */
export function withoutNullOptionals(action: string, p: Payload): Payload {
  const fields = NULLABLE_OPTIONALS[action];
  if (!fields?.some((f) => p[f] === null)) return readTransactionFields(action, p);
  const copy = { ...p };
  for (const f of fields) if (copy[f] === null) delete copy[f];
  return readTransactionFields(action, copy);
}

/**
 * PostgreSQL text cannot hold U+0000, nor a lone UTF-16 surrogate once the text travels in a JSON
 * parameter (the group commits send their rows that way): a charger's NUL or lone surrogate (only
 * possible as a JSON escape) becomes U+FFFD (visible, never a lost message). Applied to every inbound
 * payload before anything stores it.
 */
export function withoutNul<T>(value: T): T {
  // Iterative, not recursive: a charger chooses the nesting depth, and a 10 kB frame nested a few
  // thousand levels deep overflowed the stack of the recursive version (and took the process down).
  // Containers are created before they are filled, so a parent holds its children's copies at once.
  const work: [source: object, target: Record<string, unknown> | unknown[]][] = [];
  const copy = (v: unknown): unknown => {
    if (typeof v === 'string') return cleanText(v);
    if (typeof v !== 'object' || v === null) return v;
    const target: Record<string, unknown> | unknown[] = Array.isArray(v) ? new Array<unknown>(v.length) : {};
    work.push([v, target]);
    return target;
  };
  const root = copy(value);
  for (let next = work.pop(); next !== undefined; next = work.pop()) {
    const [source, target] = next;
    if (Array.isArray(source)) {
      for (let i = 0; i < source.length; i++) (target as unknown[])[i] = copy(source[i]);
      continue;
    }
    // Own data properties, as Object.fromEntries made them (a `__proto__` key stays a key).
    for (const [k, v] of Object.entries(source)) Object.defineProperty(target, cleanText(k), { value: copy(v), writable: true, enumerable: true, configurable: true });
  }
  return root as T;
}

const cleanText = (s: string): string => wellFormed(s.includes('\u0000') ? s.split('\u0000').join('\uFFFD') : s);

/** String.prototype.toWellFormed (Node 20, ES2024; the type library here is ES2023). */
const wellFormed = (s: string): string => (s as string & { toWellFormed(): string }).toWellFormed();
