import { Inject, Injectable } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import type { TokenEncoding } from '@cpo/ocpi-protocol';
import type { Logger } from 'pino';
import type { Connection } from '../partners/partner.types.js';
import { PartnersRepository, type TokenKind } from '../partners/partners.repository.js';
import { TokenVault } from '../partners/token-vault.js';

/** How long a token → connection answer is reused; bounds how late another replica sees a rotation. */
const CACHE_MS = 2_000;
/** `last_seen_at` is written at most this often per connection. */
const SEEN_EVERY_MS = 30_000;

/**
 * Token → connection resolution for every inbound call, with a short cache because each OCPI
 * request needs it. The credentials service invalidates it on every change it makes.
 */
@Injectable()
export class ConnectionLookup {
  private readonly cache = new Map<string, { value: { connection: Connection; kind: TokenKind } | undefined; until: number }>();
  private readonly lastSeen = new Map<string, { at: number; encoding: TokenEncoding }>();

  constructor(
    private readonly repo: PartnersRepository,
    private readonly vault: TokenVault,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async byToken(token: string): Promise<{ connection: Connection; kind: TokenKind } | undefined> {
    const index = this.vault.index(token);
    const hit = this.cache.get(index);
    const now = Date.now();
    if (hit && hit.until > now) return hit.value;
    const value = await this.repo.findByTokenIndex(index);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(index, { value, until: now + CACHE_MS });
    return value;
  }

  /** Forget every cached answer (after a registration change). */
  invalidate(): void {
    this.cache.clear();
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
