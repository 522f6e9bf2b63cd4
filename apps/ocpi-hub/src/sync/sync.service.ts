import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ROOT_LOGGER, UnavailableError, ValidationError } from '@cpo/platform';
import { bodyOwner, endpointUrl, isSuccess, nextLink, parseDateTime, sameParty, type PartyRef } from '@cpo/ocpi-protocol';
import type { Logger } from 'pino';
import { HUB_CONFIG, type OcpiHubConfig } from '../config.js';
import { LOCATIONS, TARIFFS, TOKENS, type ModuleSpec } from '../objects/module-spec.js';
import { ObjectsRepository } from '../objects/objects.repository.js';
import { PartnerClient } from '../outbound/partner-client.js';
import { partnerToken } from '../outbound/partner-token.js';
import { isRegistered, type Connection } from '../partners/partner.types.js';
import { PartnersRepository } from '../partners/partners.repository.js';
import { TokenVault } from '../partners/token-vault.js';

type Json = Record<string, unknown>;

export interface SyncReport {
  module: string;
  pages: number;
  stored: number;
  rejected: number;
  /** Why the crawl of this module stopped early; the next delta then starts from the older success. */
  error?: string;
}

/** Pages a crawl may take before it is considered broken (a partner's Link loop). */
const MAX_PAGES = 10_000;

/**
 * Pulls partners' Sender data into the cache (guide §7.1): delta with `date_from` = last success and
 * `date_to` = sync start, or full with only `date_to`; follows `Link` (never computes offsets) and
 * stores objects verbatim, without touching `last_updated`. Objects that fail validation or name a
 * party the connection does not own are skipped and counted.
 */
@Injectable()
export class SyncService {
  constructor(
    private readonly repo: PartnersRepository,
    private readonly objects: ObjectsRepository,
    private readonly client: PartnerClient,
    private readonly vault: TokenVault,
    @Inject(HUB_CONFIG) private readonly config: OcpiHubConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async syncConnection(connectionId: string, mode: 'delta' | 'full'): Promise<SyncReport[]> {
    const conn = await this.repo.findConnection(connectionId);
    if (!conn || !isRegistered(conn)) throw new ValidationError('connection is not registered');
    const startedAt = new Date();
    const since = mode === 'delta' ? await this.repo.lastSync(conn.id) : null;
    const roles = new Set(conn.parties.map((p) => p.role));
    const specs = [LOCATIONS, TARIFFS, TOKENS].filter((s) => roles.has(s.ownerRole));
    const reports: SyncReport[] = [];
    for (const spec of specs) {
      const base = endpointUrl(conn.endpoints, spec.module, conn.version === '2.2.1' ? 'SENDER' : undefined);
      if (!base) continue;
      const report: SyncReport = { module: spec.module, pages: 0, stored: 0, rejected: 0 };
      try {
        await this.crawl(conn, spec, base, since, startedAt, report);
      } catch (err) {
        report.error = (err as Error).message;
      }
      reports.push(report);
    }
    if (reports.every((r) => !r.error)) await this.repo.setLastSync(conn.id, startedAt);
    this.logger.info({ partner: conn.name, mode, reports }, 'partner sync done');
    return reports;
  }

  private async crawl(conn: Connection, spec: ModuleSpec, base: string, since: Date | null, until: Date, report: SyncReport): Promise<void> {
    const params = new URLSearchParams({ date_to: until.toISOString(), limit: String(this.config.OCPI_SYNC_LIMIT), offset: '0' });
    if (since) params.set('date_from', since.toISOString());
    let url: string | undefined = `${base}${base.includes('?') ? '&' : '?'}${params.toString()}`;
    const correlationId = randomUUID();
    let lastTotal: number | undefined;
    while (url && report.pages < MAX_PAGES) {
      const res = await this.client.call({ connectionId: conn.id, partner: conn.name, module: spec.module, method: 'GET', url, ...partnerToken(this.vault, conn), correlationId });
      if (!isSuccess(res.httpStatus, res.envelope?.status_code) || !Array.isArray(res.envelope?.data)) throw new UnavailableError(`${conn.name} ${spec.module} page failed: HTTP ${res.httpStatus}`);
      report.pages += 1;
      for (const item of res.envelope.data as unknown[]) {
        if (await this.store(conn, spec, item)) report.stored += 1;
        else report.rejected += 1;
      }
      const total = Number(res.headers.get('x-total-count'));
      let next = nextLink(res.headers.get('link'));
      // An object left the window mid-crawl: step back so nothing after it is skipped (ocpi/ocpi#373).
      if (next && lastTotal !== undefined && Number.isFinite(total) && total < lastTotal) next = stepBack(next, lastTotal - total);
      lastTotal = Number.isFinite(total) ? total : lastTotal;
      url = next;
    }
  }

  private async store(conn: Connection, spec: ModuleSpec, item: unknown): Promise<boolean> {
    if (typeof item !== 'object' || item === null) return false;
    const body = item as Json;
    if (!spec.schema(conn.version!, 'location').safeParse(body).success) return false;
    const owned = conn.parties.filter((p) => p.role === spec.ownerRole);
    const owner: PartyRef | undefined = bodyOwner(body) ?? (owned.length === 1 ? owned[0] : undefined);
    if (!owner || !owned.some((p) => sameParty(p, owner))) return false;
    const lastUpdated = typeof body.last_updated === 'string' ? parseDateTime(body.last_updated) : undefined;
    const id = spec.module === 'tokens' ? body.uid : body.id;
    if (!lastUpdated || typeof id !== 'string') return false;
    const objectType = spec.typed ? String(body.type ?? 'RFID') : '';
    await this.objects.transaction((tx) =>
      this.objects.upsert(tx, { module: spec.module, countryCode: owner.countryCode, partyId: owner.partyId, objectId: id, objectType, data: body, sourceVersion: conn.version! }, lastUpdated),
    );
    return true;
  }
}

/** The same Link with its offset moved back by `by` (never below 0). */
export function stepBack(link: string, by: number): string {
  const u = new URL(link);
  const offset = Number(u.searchParams.get('offset') ?? '0');
  u.searchParams.set('offset', String(Math.max(0, offset - by)));
  return u.toString();
}
