/**
 * Where a page of a station's meter values ended, handed to the client as `next` and taken back as
 * `after`: the last sample's place in the list's total order (sampledAt, source, id, sample; see
 * ViewsRepository.meterValues). The next page starts right after it by an index range, so a deep
 * page costs what the first does, where `offset` read and expanded every sample before it.
 * Opaque to clients (base64url of JSON): the fields may change with the order they encode.
 */
export interface MeterValueCursor {
  /** sampled_at as PostgreSQL holds it (microseconds, UTC), which a JavaScript Date would round. */
  at: string;
  /** 0: a row of the old `meter_values` table; 1: a `meter_readings` reading. */
  source: 0 | 1;
  /** The row's id (bigint), as text. */
  id: string;
  /** The sample's 1-based place in its reading. */
  sample: number;
}

const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const ID = /^[0-9]{1,19}$/;
const INT32_MAX = 2_147_483_647;

/** The SQL text form of `at` for a timestamptz column (the counterpart of `AT`). */
export const cursorAtSql = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export function encodeMeterValueCursor(c: MeterValueCursor): string {
  return Buffer.from(JSON.stringify([c.at, c.source, c.id, c.sample])).toString('base64url');
}

/** The cursor `value` encodes, or undefined for anything `encodeMeterValueCursor` did not write. */
export function decodeMeterValueCursor(value: string): MeterValueCursor | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    return undefined; // not JSON: a cursor mangled or made up, the caller's 400
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) return undefined;
  const [at, source, id, sample] = parsed as unknown[];
  if (typeof at !== 'string' || !AT.test(at) || Number.isNaN(Date.parse(at))) return undefined;
  if (source !== 0 && source !== 1) return undefined;
  if (typeof id !== 'string' || !ID.test(id) || BigInt(id) > 2n ** 63n - 1n) return undefined;
  if (typeof sample !== 'number' || !Number.isInteger(sample) || sample < 1 || sample > INT32_MAX) return undefined;
  return { at, source, id, sample };
}
