/** Why a meter `data` string is not a frame at all (HTTP 400 `INVALID_METER_DATA`, MQTT quarantine). */
export type HexProblem = 'empty' | 'odd_length' | 'non_hex';

export type HexParseResult = { ok: true; bytes: Buffer; hex: string } | { ok: false; problem: HexProblem };

const HEX_PAIRS = /^(?:[0-9a-f]{2})+$/;

/**
 * Parses the `data` field of a meter upload: whitespace is ignored and either case accepted, the
 * rest must be whole hex bytes. `hex` is the normalised lower-case form that is stored raw.
 */
export function parseHexFrame(input: unknown): HexParseResult {
  if (typeof input !== 'string') return { ok: false, problem: 'non_hex' };
  // Devices nearly always send the normalised form already: one regex test, no copies.
  if (HEX_PAIRS.test(input)) return { ok: true, bytes: Buffer.from(input, 'hex'), hex: input };
  const hex = input.replace(/\s+/g, '').toLowerCase();
  if (hex.length === 0) return { ok: false, problem: 'empty' };
  if (!/^[0-9a-f]*$/.test(hex)) return { ok: false, problem: 'non_hex' };
  if (!HEX_PAIRS.test(hex)) return { ok: false, problem: 'odd_length' };
  return { ok: true, bytes: Buffer.from(hex, 'hex'), hex };
}
