import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { MetricsService, ROOT_LOGGER } from '@cpo/platform';
import { endpointUrl, isSuccess, partyKey, type OcpiVersion, type PartyRef } from '@cpo/ocpi-protocol';
import pLimit from 'p-limit';
import { Counter } from 'prom-client';
import type { Logger } from 'pino';
import { HUB_CONFIG, type OcpiHubConfig } from '../config.js';
import { partnerToken } from '../outbound/partner-token.js';
import { PartnerClient } from '../outbound/partner-client.js';
import { isRegistered, type Connection, type Party } from '../partners/partner.types.js';
import { PartnersRepository } from '../partners/partners.repository.js';
import { PartnersService } from '../partners/partners.service.js';
import { TokenVault } from '../partners/token-vault.js';
import type { ModuleSpec } from './module-spec.js';
import { publishedTo, viewFor } from './object-view.js';

export interface ObjectPath {
  owner: PartyRef;
  objectId: string;
  evseUid?: string;
  connectorId?: string;
  /** Token type (`?type=`); empty for untyped modules. */
  objectType?: string;
}

export interface BroadcastJob {
  spec: ModuleSpec;
  path: ObjectPath;
  method: 'PUT' | 'PATCH' | 'DELETE';
  /** The body as the owner sent it (the same bytes of `last_updated` go out). */
  body?: Record<string, unknown>;
  /** The version the body is shaped in (the pusher's; the own party's objects are 2.2.1). */
  sourceVersion?: OcpiVersion;
  /** The cached object after the change, for visibility rules. */
  stored?: Record<string, unknown>;
  correlationId: string;
}

/** Partner URL of one object: the owner's ids in the path, as the receiver interface defines. */
export function objectUrl(base: string, path: ObjectPath, typeParam: boolean): string {
  const segments = [path.owner.countryCode, path.owner.partyId, path.objectId, path.evseUid, path.connectorId].filter((s): s is string => s !== undefined);
  const url = `${base.replace(/\/$/, '')}/${segments.map(encodeURIComponent).join('/')}`;
  return typeParam && path.objectType ? `${url}?type=${encodeURIComponent(path.objectType)}` : url;
}

/**
 * Fans a pushed change out to every partner with an agreement with the owner, in parallel (bounded),
 * after the pusher got its answer. Pushes are not queued: a failed receiver is marked
 * `needs_resync` and catches up by GET from the cache (guide §3, §8.6).
 */
@Injectable()
export class BroadcastService implements OnModuleDestroy {
  private readonly inflight = new Set<Promise<void>>();
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly pushes: Counter<'module' | 'outcome'>;

  constructor(
    private readonly partners: PartnersService,
    private readonly repo: PartnersRepository,
    private readonly client: PartnerClient,
    private readonly vault: TokenVault,
    @Inject(HUB_CONFIG) private readonly config: OcpiHubConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    metrics: MetricsService,
  ) {
    this.limit = pLimit(config.OCPI_FANOUT_CONCURRENCY);
    this.pushes = new Counter({ name: 'ocpi_broadcast_pushes_total', help: 'Broadcast pushes to partners, by module and outcome', labelNames: ['module', 'outcome'], registers: [metrics.registry] });
  }

  /** Starts the fan-out in the background; `done` resolves when every receiver answered or failed. */
  schedule(job: BroadcastJob): { done: Promise<void> } {
    const done = this.run(job).catch((err: unknown) => this.logger.error({ err, module: job.spec.module, owner: partyKey(job.path.owner) }, 'broadcast failed'));
    this.inflight.add(done);
    void done.finally(() => this.inflight.delete(done));
    return { done };
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }

  private async run(job: BroadcastJob): Promise<void> {
    const owner = await this.repo.findParty(job.path.owner.countryCode, job.path.owner.partyId, job.spec.ownerRole);
    if (!owner) return;
    const targets = (await this.partners.agreedCounterparts(owner)).map((t) => t.party).filter((p) => p.role === job.spec.readerRole);
    const connections = new Map((await this.repo.findConnections([...new Set(targets.map((t) => t.connectionId))])).map((c) => [c.id, c]));
    await Promise.all(
      targets.map((party) =>
        this.limit(async () => {
          const conn = connections.get(party.connectionId);
          if (!conn || !isRegistered(conn) || conn.status !== 'CONNECTED') return;
          if (job.spec.module === 'locations' && job.stored && !publishedTo(job.stored, party)) return;
          await this.pushTo(job, party, conn);
        }),
      ),
    );
  }

  private async pushTo(job: BroadcastJob, party: Party, conn: Connection): Promise<void> {
    const base = endpointUrl(conn.endpoints, job.spec.module, conn.version === '2.2.1' ? 'RECEIVER' : undefined);
    if (!base) {
      this.pushes.inc({ module: job.spec.module, outcome: 'no_endpoint' });
      return;
    }
    const level = job.path.connectorId ? 'connector' : job.path.evseUid ? 'evse' : 'location';
    // Converted to the receiver's version; a PATCH stays a PATCH (only its fields, no owner ids added).
    const body = job.body && viewFor(conn, job.spec.module, job.body, job.path.owner, job.sourceVersion ?? '2.2.1', { level, partial: job.method === 'PATCH', audience: party });
    const hub = { countryCode: this.config.OCPI_HUB_COUNTRY_CODE, partyId: this.config.OCPI_HUB_PARTY_ID };
    try {
      const res = await this.client.call({
        connectionId: conn.id,
        partner: conn.name,
        module: job.spec.module,
        method: job.method,
        url: objectUrl(base, job.path, job.spec.typed && conn.version === '2.2.1'),
        ...(job.spec.module === 'tokens' ? { personalData: job.path.objectId } : {}),
        ...partnerToken(this.vault, conn),
        body,
        correlationId: job.correlationId,
        ...(conn.version === '2.2.1' ? { to: { countryCode: party.countryCode, partyId: party.partyId }, from: hub } : {}),
      });
      const success = isSuccess(res.httpStatus, res.envelope?.status_code);
      this.pushes.inc({ module: job.spec.module, outcome: success ? 'ok' : 'refused' });
      if (!success) await this.markResync(conn, `HTTP ${res.httpStatus} status ${res.envelope?.status_code}`);
    } catch (err) {
      this.pushes.inc({ module: job.spec.module, outcome: 'failed' });
      await this.markResync(conn, (err as Error).message);
    }
  }

  private async markResync(conn: Connection, reason: string): Promise<void> {
    this.logger.warn({ partner: conn.name, reason }, 'broadcast push failed; partner marked needs-resync');
    if (!conn.needsResync) await this.repo.setNeedsResync(conn.id, true);
  }
}
