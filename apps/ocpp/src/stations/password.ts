import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { CheckSlots, RecentFailures, retryAfterSeconds, Throughput } from './password-gate.js';
import { checkSource } from '../connection/client-address.js';
import { GoodSources, KeyChecks } from './password-sources.js';
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

/**
 * A salted scrypt hash; the key itself is never stored. The last field is the key's form: `hex<n>`
 * for a hex key of n bytes (sent as its 2n hex digits or its n raw bytes), `text` otherwise, so a
 * wrong password costs one scrypt run, not one per form. Hashes stored before it have no form
 * (both forms are tried).
 */
export async function hashPassword(key: string): Promise<string> {
  const salt = randomBytes(16);
  const normalised = normalise(key);
  const hash = await scryptAsync(normalised, salt, KEY_LENGTH, PARAMS);
  const form = HEX.test(key) && key.length % 2 === 0 ? `hex${key.length / 2}` : 'text';
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${hash.toString('base64')}$${form}`;
}

/** The forms a Basic-auth password may stand for: the text itself, and the hex of the raw bytes. */
export function passwordCandidates(password: Buffer): string[] {
  const text = password.toString('utf8');
  const hex = password.toString('hex');
  return text === hex ? [text] : [text, hex];
}

/**
 * The one form a password can match a key stored in `form` in: a text key only as text; a hex key
 * of n bytes as its raw bytes when n bytes were sent, else as hex text. Without a form, both.
 */
export function candidatesFor(form: string | undefined, password: Buffer): string[] {
  if (form === 'text') return [password.toString('utf8')];
  const bytes = /^hex(\d+)$/.exec(form ?? '')?.[1];
  if (bytes !== undefined) return [password.length === Number(bytes) ? password.toString('hex') : password.toString('utf8')];
  return passwordCandidates(password);
}

/**
 * One upgrade's password check for an identity, over the station's key and its pending keys: its
 * class is read once at the start (the failure of the first key must not demote the pending one),
 * and `settle` records the outcome.
 */
export interface CheckAttempt {
  readonly identity: string;
  readonly password: Buffer;
  /** The client address ('' when unknown): checks of a key are told apart by it (KeyChecks). */
  readonly source: string;
  /** The source presented this identity's right key lately (GoodSources): never suspect. */
  readonly known: boolean;
  readonly suspect: boolean;
  /** Set when a scrypt run answered (not memory): only such a failure counts against the identity. */
  hashed: boolean;
}

export interface VerifierOptions {
  now?: () => number;
  random?: () => number;
}

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
 * asked before the per-key limits, so a guesser holding a station's check slots cannot turn away its
 * charger once any replica verified it; one not remembered is still checked, as the limits are per
 * source (password-sources.ts). New passwords (someone guessing) queue for a
 * bounded number of scrypt runs, so guessing cannot take the thread pool from the rest of the
 * service; when too many wait, a check fails fast with UnavailableError. An identity whose check
 * failed is suspect: its checks get a bounded share of the queue and of the runs (password-gate.ts),
 * so guesses spread over many identities cannot starve honest first checks either; they are still
 * hashed, so guessing an identity slows its charger's first check but cannot refuse its right key.
 */
export class PasswordVerifier {
  /**
   * Kept apart: anyone can add failures (a new guess each time), only a right key adds a success.
   * In one memory a flood of guesses emptied the successes with it, and the next reconnect storm
   * cost a scrypt run per charger again.
   */
  private readonly successes = new Set<string>();
  private readonly failures = new Set<string>();
  /** Successes by identity and password, for the refusal before the station is read (`mayCheck`). */
  private readonly admitted = new Set<string>();
  /** Checks under way by digest: the same password again (a charger retrying its upgrade) joins its check. */
  private readonly checking = new Map<string, Promise<boolean>>();
  /** Checks under way per stored hash and source (one per source, a few per key). */
  private readonly keyChecks = new KeyChecks();
  private readonly slots = new CheckSlots();
  private readonly recentFailures: RecentFailures;
  private readonly goodSources: GoodSources;
  private readonly throughput: Throughput;
  private readonly random: () => number;

  /** `kdf` is scrypt; tests pass one they can watch, and a clock. */
  constructor(
    private readonly kdf: Scrypt = scryptAsync,
    private readonly shared: VerifiedKeyMemory = NO_SHARED_MEMORY,
    options: VerifierOptions = {},
  ) {
    this.recentFailures = new RecentFailures(options.now);
    this.goodSources = new GoodSources(options.now);
    this.throughput = new Throughput(options.now);
    this.random = options.random ?? Math.random;
  }

  /**
   * Whether an upgrade offering this identity's password can be taken now: false when a check it may
   * need would be refused anyway (queue full for its class), so it is refused before the station is
   * read and Redis asked; a password this replica admitted for the identity needs no check.
   */
  mayCheck(identity: string, password: Buffer, source = ''): boolean {
    return this.admitted.has(identityDigest(identity, password)) || this.slots.hasRoom(this.attempt(identity, password, source).suspect);
  }

  /** Seconds a refused charger is told to wait: the backlog at the recent rate, jittered. */
  retryAfterSeconds(): number {
    return retryAfterSeconds(this.slots.backlog, this.throughput.perSecond(), this.random());
  }

  /** `address`: the client's ('' when unknown, as for the admin API); checks are counted by its source (checkSource: an IPv6 address by its /64). */
  attempt(identity: string, password: Buffer, address = ''): CheckAttempt {
    const source = checkSource(address);
    const known = this.goodSources.has(identity, source);
    return { identity, password, source, known, suspect: !known && this.recentFailures.suspect(identity), hashed: false };
  }

  settle(attempt: CheckAttempt, ok: boolean): void {
    if (ok) {
      this.recentFailures.succeeded(attempt.identity);
      this.goodSources.add(attempt.identity, attempt.source);
      this.remember(this.admitted, identityDigest(attempt.identity, attempt.password));
    } else if (attempt.hashed) {
      this.recentFailures.failed(attempt.identity);
      // A guesser behind the charger's own address (a shared NAT, or every charger behind a balancer
      // with no trusted proxy configured) gets one unsuspected guess per charger success, not more.
      this.goodSources.forget(attempt.identity, attempt.source);
    }
  }

  /**
   * Without `attempt` (the admin API comparing a new password) the check is in the honest class.
   * With one, an identity with recent failures is checked in the suspect class, but a password
   * neither memory knows is always hashed: refusing it unhashed while the identity was penalised let
   * anyone who knows a charger's identity keep its right key out (a guess per penalty window).
   */
  async verify(stored: string, password: Buffer, attempt?: CheckAttempt): Promise<boolean> {
    const digest = createHash('sha256').update(stored).update('\u0000').update(password).digest('base64');
    if (this.successes.has(digest)) return true;
    if (this.failures.has(digest)) return false;
    const under = this.checking.get(digest);
    if (under) return under;
    const check = this.recallOrCheck(stored, password, digest, attempt);
    this.checking.set(digest, check);
    try {
      return await check;
    } finally {
      this.checking.delete(digest);
    }
  }

  private async recallOrCheck(stored: string, password: Buffer, digest: string, attempt: CheckAttempt | undefined): Promise<boolean> {
    if (await this.shared.recalls(stored, password)) {
      this.remember(this.successes, digest);
      return true;
    }
    const leave = this.keyChecks.enter(stored, attempt?.source ?? '', attempt?.known ?? false);
    let ok: boolean;
    try {
      ok = await this.check(stored, password, digest, attempt?.suspect ?? false);
    } finally {
      leave();
    }
    if (attempt) attempt.hashed = true;
    if (ok) await this.shared.remember(stored, password);
    return ok;
  }

  private async check(stored: string, password: Buffer, digest: string, suspect: boolean): Promise<boolean> {
    const [scheme, n, r, p, salt, hash, form] = stored.split('$');
    if (scheme !== 'scrypt' || !salt || !hash) return false;
    const expected = Buffer.from(hash, 'base64');
    const params = { N: Number(n), r: Number(r), p: Number(p) };
    let ok = false;
    for (const candidate of candidatesFor(form, password)) {
      const actual = await this.slots.run(suspect, async () => {
        try {
          return await this.kdf(normalise(candidate), Buffer.from(salt, 'base64'), expected.length, params);
        } finally {
          this.throughput.add();
        }
      });
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
}

function identityDigest(identity: string, password: Buffer): string {
  return createHash('sha256').update(identity).update('\u0000').update(password).digest('base64');
}
