import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { UnavailableError } from '@cpo/platform';
import { NO_SHARED_MEMORY, type VerifiedKeyMemory } from './shared-password-memory.js';

type Scrypt = (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number }) => Promise<Buffer>;
const scryptAsync = promisify(scrypt) as Scrypt;
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

/** scrypt runs at once: each holds a libuv thread (the pool has 4, shared with DNS and file I/O) and 16 MiB for tens of ms. */
const MAX_RUNNING = 2;
/** Checks waiting for a run; beyond, a check is refused at once (UnavailableError) instead of piling up sockets and memory. */
const MAX_WAITING = 256;
/**
 * Different passwords checked at once against one stored hash (one station's key). A charger needs
 * one; guesses beyond it are refused at once, so guessing one station's key cannot fill the queue
 * every other charger's first check after a restart waits in (they got 503 for as long as it lasted).
 */
const MAX_CHECKS_PER_KEY = 1;
/** Outcomes remembered of each kind, beyond which the memory of that kind starts over. */
export const MAX_REMEMBERED_OUTCOMES = 100_000;

/**
 * Verifies a password against a stored hash. The outcome is a function of the stored hash and the
 * password alone, so it is remembered by a fast digest of both, successes and failures: a reconnect
 * storm of thousands of chargers costs no scrypt run per charger, and neither does a charger left
 * with an old key that retries every few seconds (two runs per attempt otherwise, text and hex).
 * A new hash (key rotated) makes a new digest. Successes are also shared with the other replicas
 * (`shared`, Redis), so a charger reaching a replica that has not seen it costs no scrypt run either;
 * this replica's memory is asked first (no round trip for a charger it knows). Both memories are
 * asked before the per-key limit, so a guesser holding a station's check slot cannot turn away its
 * charger once any replica verified it. New passwords (someone guessing) queue for a
 * bounded number of scrypt runs, so guessing cannot take the thread pool from the rest of the
 * service; when too many wait, a check fails fast with UnavailableError.
 */
export class PasswordVerifier {
  /**
   * Kept apart: anyone can add failures (a new guess each time), only a right key adds a success.
   * In one memory a flood of guesses emptied the successes with it, and the next reconnect storm
   * cost a scrypt run per charger again.
   */
  private readonly successes = new Set<string>();
  private readonly failures = new Set<string>();
  /** Checks under way by digest: the same password again (a charger retrying its upgrade) joins its check. */
  private readonly checking = new Map<string, Promise<boolean>>();
  /** Checks under way per stored hash (see MAX_CHECKS_PER_KEY). */
  private readonly checksPerKey = new Map<string, number>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  /** `kdf` is scrypt; tests pass one they can watch. */
  constructor(
    private readonly kdf: Scrypt = scryptAsync,
    private readonly shared: VerifiedKeyMemory = NO_SHARED_MEMORY,
  ) {}

  async verify(stored: string, password: Buffer): Promise<boolean> {
    const digest = createHash('sha256').update(stored).update('\u0000').update(password).digest('base64');
    if (this.successes.has(digest)) return true;
    if (this.failures.has(digest)) return false;
    const under = this.checking.get(digest);
    if (under) return under;
    const check = this.recallOrCheck(stored, password, digest);
    this.checking.set(digest, check);
    try {
      return await check;
    } finally {
      this.checking.delete(digest);
    }
  }

  private async recallOrCheck(stored: string, password: Buffer, digest: string): Promise<boolean> {
    if (await this.shared.recalls(stored, password)) {
      this.remember(this.successes, digest);
      return true;
    }
    const perKey = this.checksPerKey.get(stored) ?? 0;
    if (perKey >= MAX_CHECKS_PER_KEY) throw new UnavailableError("a password check for this station's key is in progress; try again shortly");
    this.checksPerKey.set(stored, perKey + 1);
    let ok: boolean;
    try {
      ok = await this.check(stored, password, digest);
    } finally {
      const left = (this.checksPerKey.get(stored) ?? 1) - 1;
      if (left > 0) this.checksPerKey.set(stored, left);
      else this.checksPerKey.delete(stored);
    }
    if (ok) await this.shared.remember(stored, password);
    return ok;
  }

  private async check(stored: string, password: Buffer, digest: string): Promise<boolean> {
    const [scheme, n, r, p, salt, hash] = stored.split('$');
    if (scheme !== 'scrypt' || !salt || !hash) return false;
    const expected = Buffer.from(hash, 'base64');
    const params = { N: Number(n), r: Number(r), p: Number(p) };
    let ok = false;
    for (const candidate of passwordCandidates(password)) {
      const actual = await this.limited(() => this.kdf(normalise(candidate), Buffer.from(salt, 'base64'), expected.length, params));
      if (timingSafeEqual(actual, expected)) {
        ok = true;
        break;
      }
    }
    this.remember(ok ? this.successes : this.failures, digest);
    return ok;
  }

  private remember(outcomes: Set<string>, digest: string): void {
    if (outcomes.size >= MAX_REMEMBERED_OUTCOMES) outcomes.clear();
    outcomes.add(digest);
  }

  private async limited<T>(run: () => Promise<T>): Promise<T> {
    if (this.running < MAX_RUNNING) this.running += 1;
    else if (this.waiting.length >= MAX_WAITING) throw new UnavailableError('too many password checks in progress; try again shortly');
    // A finishing run hands its slot to the first waiter, so no newcomer can slip in between.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await run();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
