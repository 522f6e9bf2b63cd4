import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number }) => Promise<Buffer>;
const PARAMS = { N: 16_384, r: 8, p: 1 };
const KEY_LENGTH = 32;
const HEX = /^[0-9a-fA-F]+$/;

/**
 * The key a station authenticates with (its `AuthorizationKey`), normalised: hex keys are compared
 * in lower case, because chargers send either the hex text or the raw key bytes (guide §1.9).
 */
function normalise(key: string): string {
  return HEX.test(key) && key.length % 2 === 0 ? key.toLowerCase() : key;
}

/** A salted scrypt hash; the key itself is never stored. */
export async function hashPassword(key: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(normalise(key), salt, KEY_LENGTH, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** The forms a Basic-auth password may stand for: the text itself, and the hex of the raw bytes. */
export function passwordCandidates(password: Buffer): string[] {
  const text = password.toString('utf8');
  const hex = password.toString('hex');
  return text === hex ? [text] : [text, hex];
}

/**
 * Verifies a password against a stored hash. Successful checks are remembered by a fast digest so
 * that a reconnect storm of thousands of chargers does not cost thousands of scrypt runs.
 */
export class PasswordVerifier {
  private readonly verified = new Map<string, string>();

  async verify(stationId: string, stored: string, password: Buffer): Promise<boolean> {
    const fast = createHash('sha256').update(stored).update('\u0000').update(password).digest('base64');
    if (this.verified.get(stationId) === fast) return true;
    const [scheme, n, r, p, salt, hash] = stored.split('$');
    if (scheme !== 'scrypt' || !salt || !hash) return false;
    const expected = Buffer.from(hash, 'base64');
    for (const candidate of passwordCandidates(password)) {
      const actual = await scryptAsync(normalise(candidate), Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
      if (timingSafeEqual(actual, expected)) {
        if (this.verified.size > 100_000) this.verified.clear();
        this.verified.set(stationId, fast);
        return true;
      }
    }
    return false;
  }
}
