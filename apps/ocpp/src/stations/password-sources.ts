import { createHash } from 'node:crypto';
import { UnavailableError } from '@cpo/platform';

/**
 * Sources (client addresses, connection/client-address.ts) checking one stored hash at once,
 * besides those known good for it. One source gets one check of a key at a time, so a guesser
 * keeping a guess in flight for a station blocks only itself, not its charger at another address
 * (one check per key at once, whatever the source, let anyone who knew a charger's identity keep
 * its right key out with 503 for as long as they kept guessing). This bound keeps a guesser who
 * rotates addresses from filling the queue with one key's checks (each is a scrypt run).
 */
export const MAX_SOURCES_PER_KEY = 4;

/** Checks under way per stored hash and source. */
export class KeyChecks {
  private readonly byKey = new Map<string, { sources: Set<string>; unknown: number }>();

  /**
   * Takes a place for a check of `key` from `source` (`known`: it presented the identity's right key
   * lately, see GoodSources), or throws UnavailableError; the returned function gives it back.
   */
  enter(key: string, source: string, known: boolean): () => void {
    const checks = this.byKey.get(key) ?? { sources: new Set<string>(), unknown: 0 };
    if (checks.sources.has(source)) throw new UnavailableError("a password check for this station's key from this address is in progress; try again shortly");
    if (!known && checks.unknown >= MAX_SOURCES_PER_KEY) throw new UnavailableError("too many password checks for this station's key are in progress; try again shortly");
    checks.sources.add(source);
    if (!known) checks.unknown += 1;
    this.byKey.set(key, checks);
    return () => {
      checks.sources.delete(source);
      if (!known) checks.unknown -= 1;
      if (checks.sources.size === 0) this.byKey.delete(key);
    };
  }
}

/** How long a source that presented an identity's right key is known good for it (renewed by each success). */
export const GOOD_SOURCE_MEMORY_MS = 24 * 60 * 60_000;
/** (identity, source) pairs remembered; beyond, the oldest goes first (≈ 150 B each). */
export const MAX_GOOD_SOURCES = 100_000;
/**
 * Sources remembered per identity, its newest: a charger uses one address, a few over a day (a
 * mobile network's). The bound keeps one identity's key, presented from ever new addresses (any
 * IPv6 prefix has plenty), from pushing every other charger's pair out of MAX_GOOD_SOURCES.
 */
export const MAX_GOOD_SOURCES_PER_IDENTITY = 8;

/**
 * Sources that presented an identity's right key lately: their checks of it skip the suspect class
 * and the per-key bound, so guesses for the identity from elsewhere cannot queue ahead of its
 * charger (a rotated key's first use, a charger whose key this replica no longer remembers). Only a
 * right key adds a pair, so guessers cannot grow it, and a wrong one from the pair's address
 * removes it: a guesser behind the charger's own address (a shared NAT, a balancer's SNAT) gets one
 * check at a time, and one outside the suspect class per success of the charger. Pairs are kept
 * as a digest, not addresses. The unknown source ('': no address) is never known good.
 */
export class GoodSources {
  /** Last success and identity by pair digest, in that order (the oldest goes first). */
  private readonly at = new Map<string, { time: number; identity: string }>();
  /** Pair digests by identity, oldest success first (at most MAX_GOOD_SOURCES_PER_IDENTITY). */
  private readonly byIdentity = new Map<string, string[]>();

  constructor(private readonly now: () => number = Date.now) {}

  has(identity: string, source: string): boolean {
    if (source === '') return false;
    const key = pairDigest(identity, source);
    const last = this.at.get(key);
    if (last === undefined) return false;
    if (this.now() - last.time <= GOOD_SOURCE_MEMORY_MS) return true;
    this.drop(key);
    return false;
  }

  add(identity: string, source: string): void {
    if (source === '') return;
    const key = pairDigest(identity, source);
    this.drop(key);
    const mine = this.byIdentity.get(identity);
    if (mine !== undefined && mine.length >= MAX_GOOD_SOURCES_PER_IDENTITY) this.drop(mine[0]!);
    if (this.at.size >= MAX_GOOD_SOURCES) this.drop(this.at.keys().next().value!);
    this.at.set(key, { time: this.now(), identity });
    const list = this.byIdentity.get(identity);
    if (list) list.push(key);
    else this.byIdentity.set(identity, [key]);
  }

  forget(identity: string, source: string): void {
    this.drop(pairDigest(identity, source));
  }

  private drop(key: string): void {
    const entry = this.at.get(key);
    if (entry === undefined) return;
    this.at.delete(key);
    const list = this.byIdentity.get(entry.identity)!;
    list.splice(list.indexOf(key), 1);
    if (list.length === 0) this.byIdentity.delete(entry.identity);
  }
}

function pairDigest(identity: string, source: string): string {
  // An identity never holds NUL (identity.ts), so the boundary between the two is unambiguous.
  return createHash('sha256').update(identity).update('\u0000').update(source).digest('base64').slice(0, 22);
}
