import { Injectable } from '@nestjs/common';
import { classifyRoute, paginationHeaders, parsePageQuery, partyKey, pickFromLocation, sameParty, type PartyRef } from '@cpo/ocpi-protocol';
import type { OcpiContext } from '../edge/ocpi-context.js';
import { HubIdentity } from '../edge/hub-identity.js';
import { invalidParameters, unknownObject, unknownReceiver } from '../edge/ocpi-errors.js';
import { PartnersService } from '../partners/partners.service.js';
import type { ModuleSpec } from './module-spec.js';
import { ObjectShaper } from './object-shaper.js';
import { audienceParty } from './object-view.js';
import { ObjectsRepository } from './objects.repository.js';
import { PageCache } from './page-cache.js';
import { pageHead } from '../edge/ocpi-reply.js';

type Json = Record<string, unknown>;

const OWNERS_CACHE_MS = 1_000;

/**
 * Sender interface of a cached module: every read is served from the cache (no round trip to the
 * owner), scoped to the owners the reader has agreements with, so reads by id cannot leak.
 */
@Injectable()
export class ReadService {
  private readonly ownersCache = new Map<string, { owners: PartyRef[]; until: number }>();

  constructor(
    private readonly objects: ObjectsRepository,
    private readonly partners: PartnersService,
    private readonly hub: HubIdentity,
    private readonly pages: PageCache,
    private readonly shaper: ObjectShaper,
  ) {}

  /**
   * GET list (GET-all via the hub when TO is absent or the hub; one owner when TO names it). Items
   * are JSON texts, ready to send; the page comes from the in-memory page cache when no object of
   * the module changed since it was built.
   */
  async list(ctx: OcpiContext, spec: ModuleSpec, query: Record<string, unknown>, selfUrl: string): Promise<{ head: Buffer; count: number; headers: Record<string, string> }> {
    const q = parsePageQuery(query, spec.maxLimit, { requireDateFrom: spec.module === 'sessions' });
    if (!q.ok) throw invalidParameters(q.reason);
    const route = classifyRoute('GET', ctx.routing.to, this.hub.party, true);
    if (!route.ok) throw invalidParameters(route.reason);
    const owners = await this.visibleOwners(ctx, spec);
    const scoped = route.mode === 'direct' ? this.only(owners, ctx.routing.to!) : owners;
    const readers = ctx.connection.parties.filter((p) => p.role === spec.readerRole);
    const c = ctx.connection;
    // Everything the page depends on: who reads (shape, visibility), whose objects, which window.
    const key = [c.id, c.version, c.ownerIdExtensions, spec.module, scoped.map(partyKey).join(','), readers.map(partyKey).join(','), q.value.dateFrom?.getTime(), q.value.dateTo?.getTime(), q.value.offset, q.value.limit].join('|');
    const page = await this.pages.get(spec.module, key, async () => {
      const rows = await this.objects.page({ module: spec.module, owners: scoped, readers, dateFrom: q.value.dateFrom, dateTo: q.value.dateTo, offset: q.value.offset, limit: q.value.limit });
      // A 2.2.1 object read by a 2.2.1 partner goes out byte for byte as stored; others are reshaped.
      // An object with an audience is visible only to that party, so it is the one reading it here.
      const items = await Promise.all(
        rows.items.map(async (o) =>
          c.version === '2.2.1' && o.sourceVersion === '2.2.1'
            ? o.json
            : JSON.stringify(await this.shaper.shape(c, spec.module, JSON.parse(o.json) as Json, { countryCode: o.countryCode, partyId: o.partyId }, o.sourceVersion, { audience: audienceParty(o.audience) })),
        ),
      );
      return { total: rows.total, count: items.length, head: pageHead(items.join(',')) };
    });
    // `Link` repeats the caller's URL and raw dates, which the key does not hold (it has the instants).
    const headersFor = `${selfUrl} ${q.value.rawDateFrom ?? ''} ${q.value.rawDateTo ?? ''}`;
    if (page.headers?.for !== headersFor) page.headers = { for: headersFor, value: paginationHeaders(selfUrl, q.value, page.total, spec.maxLimit, page.count) };
    return { head: page.head, count: page.count, headers: page.headers.value };
  }

  /**
   * GET one object (or an EVSE/connector of a Location). Without TO the id must be unique among the
   * reader's owners; otherwise TO headers are required (2001).
   */
  async one(ctx: OcpiContext, spec: ModuleSpec, id: { objectId: string; evseUid?: string; connectorId?: string; objectType?: string }): Promise<Json> {
    const route = classifyRoute('GET', ctx.routing.to, this.hub.party, false);
    if (!route.ok) throw invalidParameters(route.reason);
    const owners = await this.visibleOwners(ctx, spec);
    const scoped = route.mode === 'direct' ? this.only(owners, ctx.routing.to!) : owners;
    const readers = ctx.connection.parties.filter((p) => p.role === spec.readerRole);
    const found = await this.objects.findAmong(spec.module, scoped, readers, id.objectId, id.objectType);
    if (found.length > 1) throw invalidParameters(`${id.objectId} exists at several owners: send OCPI-to-* headers`);
    const hit = found[0];
    const picked = hit && pickFromLocation(hit.data, { evseUid: id.evseUid, connectorId: id.connectorId });
    if (!hit || !picked) throw unknownObject(`${spec.module} ${[id.objectId, id.evseUid, id.connectorId].filter(Boolean).join('/')} not found`);
    const level = id.connectorId !== undefined ? 'connector' : id.evseUid !== undefined ? 'evse' : 'location';
    return this.shaper.shape(ctx.connection, spec.module, picked, { countryCode: hit.countryCode, partyId: hit.partyId }, hit.sourceVersion, { level, audience: audienceParty(hit.audience) });
  }

  /**
   * Owners (in the module's owner role) with an agreement with any of the reader's parties. Kept for
   * a second per connection and module: it is asked on every page of a crawl, and a revoked
   * agreement must stop reads quickly, not necessarily within the same millisecond.
   */
  private async visibleOwners(ctx: OcpiContext, spec: ModuleSpec): Promise<PartyRef[]> {
    const key = `${ctx.connection.id}/${spec.module}`;
    const hit = this.ownersCache.get(key);
    if (hit && hit.until > Date.now()) return hit.owners;
    const owners = await this.loadOwners(ctx, spec);
    if (this.ownersCache.size > 10_000) this.ownersCache.clear();
    this.ownersCache.set(key, { owners, until: Date.now() + OWNERS_CACHE_MS });
    return owners;
  }

  private async loadOwners(ctx: OcpiContext, spec: ModuleSpec): Promise<PartyRef[]> {
    const readers = ctx.connection.parties.filter((p) => p.role === spec.readerRole);
    const owners = new Map<string, PartyRef>();
    for (const reader of readers) {
      for (const { party } of await this.partners.agreedCounterparts(reader)) {
        if (party.role === spec.ownerRole) owners.set(partyKey(party), { countryCode: party.countryCode, partyId: party.partyId });
      }
    }
    return [...owners.values()];
  }

  private only(owners: PartyRef[], to: PartyRef): PartyRef[] {
    const match = owners.filter((o) => sameParty(o, to));
    if (match.length === 0) throw unknownReceiver(`no agreement with ${partyKey(to)}`);
    return match;
  }
}
