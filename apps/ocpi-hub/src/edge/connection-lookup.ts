import { Inject, Injectable } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import { tokenCandidates, type TokenEncoding } from '@cpo/ocpi-protocol';
import type { Logger } from 'pino';
import type { Connection } from '../partners/partner.types.js';
import { PartnersRepository, type TokenKind } from '../partners/partners.repository.js';
import { TokenVault } from '../partners/token-vault.js';

/** How long a token → connection answer is reused; bounds how late another replica sees a rotation. */
const CACHE_MS = 2_000;
/** `last_seen_at` is written at most this often per connection. */
const SEEN_EVERY_MS = 30_000;

type Found = { connection: Connection; kind: TokenKind };

/** A resolved `Authorization` header: the connection, the token kind and the form the token came in. */
export type Authenticated = Found & { encoding: TokenEncoding };

/**
 * Token → connection resolution for every inbound call, with a short cache because each OCPI
 * request needs it. The credentials service invalidates it on every change it makes.
 */
@Injectable()
export class ConnectionLookup {
  private readonly cache = new Map<string, { value: Found | undefined; until: number }>();
  /**
   * Whole `Authorization` header → answer, so a partner's repeated calls cost one map lookup
   * instead of parsing, Base64-decoding and HMACing each candidate (two HMACs for a Base64
   * token: the raw value is tried first). Never outlives the token answers it was built from.
   */
  private readonly headers = new Map<string, { value: Authenticated | undefined; until: number }>();
  private readonly lastSeen = new Map<string, { at: number; encoding: TokenEncoding }>();
  private generation = 0;

  constructor(
    private readonly repo: PartnersRepository,
    private readonly vault: TokenVault,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** The connection an `Authorization: Token …` header belongs to (plain or Base64 token). */
  async byAuthorization(header: string | undefined): Promise<Authenticated | undefined> {
    if (!header) return undefined;
    const hit = this.headers.get(header);
    if (hit && hit.until > Date.now()) return hit.value;
    const generation = this.generation;
    let value: Authenticated | undefined;
    let until = Date.now() + CACHE_MS;
    for (const candidate of tokenCandidates(header)) {
      const answer = await this.resolve(candidate.token);
      until = Math.min(until, answer.until);
      if (answer.value) {
        value = { ...answer.value, encoding: candidate.encoding };
        break;
      }
    }
    if (generation !== this.generation) return value;
    if (this.headers.size > 10_000) this.headers.clear();
    this.headers.set(header, { value, until });
    return value;
  }

  /** Forget every cached answer (after a registration change). */
  invalidate(): void {
    this.generation += 1;
    this.cache.clear();
    this.headers.clear();
  }

  private async resolve(token: string): Promise<{ value: Found | undefined; until: number }> {
    const index = this.vault.index(token);
    const hit = this.cache.get(index);
    const now = Date.now();
    if (hit && hit.until > now) return hit;
    const generation = this.generation;
    const entry = { value: await this.repo.findByTokenIndex(index), until: now + CACHE_MS };
    // An invalidation while the query ran may have made its answer stale: use it once, keep nothing.
    if (generation !== this.generation) return { value: entry.value, until: 0 };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(index, entry);
    return entry;
  }

  /** Records that a partner called, and the token form it used (plain or Base64). */
  seen(connectionId: string, encoding: TokenEncoding): void {
    const last = this.lastSeen.get(connectionId);
    const now = Date.now();
    if (last && last.encoding === encoding && now - last.at < SEEN_EVERY_MS) return;
    this.lastSeen.set(connectionId, { at: now, encoding });
    this.repo.markSeen(connectionId, encoding).catch((err: unknown) => this.logger.warn({ err, connectionId }, 'could not record partner activity'));
  }
}
