import { Injectable } from '@nestjs/common';
import { classifyRoute, describe, idField, mergeIntoLocation, parseDateTime, pickFromLocation, type LocationLevel } from '@cpo/ocpi-protocol';
import type { OcpiContext } from '../edge/ocpi-context.js';
import { invalidParameters, unknownObject } from '../edge/ocpi-errors.js';
import { HubIdentity } from '../edge/hub-identity.js';
import { BroadcastService, type ObjectPath } from './broadcast.service.js';
import { DirectForwarder, type Forwarded } from './direct-forwarder.js';
import type { ModuleSpec } from './module-spec.js';
import { ObjectsRepository, type CachedObject } from './objects.repository.js';
import { checkOwner } from './owner-check.js';
import { ObjectShaper } from './object-shaper.js';
import { audienceParty, viewFor } from './object-view.js';

type Json = Record<string, unknown>;

export type PushMethod = 'PUT' | 'PATCH' | 'DELETE';

function levelOf(path: ObjectPath): LocationLevel {
  return path.connectorId !== undefined ? 'connector' : path.evseUid !== undefined ? 'evse' : 'location';
}

function isJsonObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Receiver interface of a cached module: validates a push, checks ownership, stores it in the
 * cache without touching `last_updated`, and hands it to the broadcast. A push addressed to one
 * party (2.2.1 TO header) is forwarded to it instead, uncached.
 */
@Injectable()
export class PushService {
  constructor(
    private readonly objects: ObjectsRepository,
    private readonly broadcast: BroadcastService,
    private readonly direct: DirectForwarder,
    private readonly hub: HubIdentity,
    private readonly shaper: ObjectShaper,
  ) {}

  /** Returns nothing for a cached push (answer 1000), or the receiver's answer for a direct one. */
  async push(ctx: OcpiContext, spec: ModuleSpec, path: ObjectPath, method: PushMethod, rawBody: unknown): Promise<Forwarded | undefined> {
    if (method !== 'DELETE' && !isJsonObject(rawBody)) throw invalidParameters('the body must be a JSON object');
    const body = method === 'DELETE' ? undefined : (rawBody as Json);
    const level = levelOf(path);
    checkOwner(ctx, path.owner, spec.ownerRole, level === 'location' ? body : undefined);
    const route = classifyRoute(method, ctx.routing.to, this.hub.party, false);
    if (!route.ok) throw invalidParameters(route.reason);
    if (body) this.validate(ctx, spec, path, level, method, body);
    if (route.mode === 'direct') return this.direct.forward(ctx, spec, path, method, body);

    const stored = await this.objects.transaction(async (tx) => {
      const existing = await this.objects.get(spec.module, path.owner, path.objectId, path.objectType ?? '', tx, true);
      if (method === 'DELETE') {
        if (!existing) throw unknownObject(`${spec.module} ${path.objectId} not found`);
        await this.objects.delete(tx, spec.module, path.owner, path.objectId, path.objectType ?? '');
        return undefined;
      }
      // A partner that re-registered with another version pushes in the other shape: merge like with like.
      const change = existing && existing.sourceVersion !== ctx.version ? viewFor({ version: existing.sourceVersion, ownerIdExtensions: true }, spec.module, body as Json, path.owner, ctx.version, { level, partial: true }) : (body as Json);
      const data = this.apply(spec, path, level, method, change, existing);
      const lastUpdated = typeof data.last_updated === 'string' ? parseDateTime(data.last_updated) : undefined;
      if (!lastUpdated) throw invalidParameters('last_updated missing or invalid');
      const next: CachedObject = { module: spec.module, countryCode: path.owner.countryCode, partyId: path.owner.partyId, objectId: path.objectId, objectType: path.objectType ?? '', data, sourceVersion: existing?.sourceVersion ?? ctx.version };
      await this.objects.upsert(tx, next, lastUpdated);
      return data;
    });
    this.broadcast.schedule({ spec, path, method, body: body as Json | undefined, sourceVersion: ctx.version, stored, correlationId: ctx.correlationId });
    return undefined;
  }

  /** The receiver GET: the owner reads back what the hub holds for it. */
  async readBack(ctx: OcpiContext, spec: ModuleSpec, path: ObjectPath): Promise<Json> {
    checkOwner(ctx, path.owner, spec.ownerRole);
    const route = classifyRoute('GET', ctx.routing.to, this.hub.party, false);
    if (!route.ok) throw invalidParameters(route.reason);
    const existing = await this.objects.get(spec.module, path.owner, path.objectId, path.objectType ?? '');
    const picked = existing && pickFromLocation(existing.data, { evseUid: path.evseUid, connectorId: path.connectorId });
    if (!picked) throw unknownObject(`${spec.module} ${[path.objectId, path.evseUid, path.connectorId].filter(Boolean).join('/')} not found`);
    // The owner reads it, but a Session's or CDR's CdrToken names the eMSP it belongs to (its stored audience).
    return this.shaper.shape(ctx.connection, spec.module, picked, path.owner, existing.sourceVersion, { level: levelOf(path), audience: audienceParty(existing.audience) });
  }

  private validate(ctx: OcpiContext, spec: ModuleSpec, path: ObjectPath, level: LocationLevel, method: PushMethod, body: Json): void {
    const schema = spec.schema(ctx.version, level);
    const urlId = level === 'connector' ? path.connectorId : level === 'evse' ? path.evseUid : path.objectId;
    const field = spec.module === 'tokens' ? 'uid' : idField(level);
    if (method === 'PUT') {
      const parsed = schema.safeParse(body);
      if (!parsed.success) throw invalidParameters(`invalid ${spec.module} object: ${describe(parsed.error)}`);
    } else {
      if (ctx.version === '2.2.1' && spec.patchNeedsLastUpdated && body.last_updated === undefined) throw invalidParameters('a PATCH must include last_updated');
      const parsed = schema.partial().safeParse(body);
      if (!parsed.success) throw invalidParameters(`invalid ${spec.module} patch: ${describe(parsed.error)}`);
    }
    if ((method === 'PUT' || body[field] !== undefined) && body[field] !== urlId) throw invalidParameters(`${field} in the body does not match the URL`);
    if (spec.typed && body.type !== undefined && body.type !== path.objectType) throw invalidParameters('type in the body does not match the URL');
  }

  private apply(spec: ModuleSpec, path: ObjectPath, level: LocationLevel, method: 'PUT' | 'PATCH', body: Json, existing: CachedObject | undefined): Json {
    if (spec.module !== 'locations' || level === 'location') {
      if (method === 'PUT') return body;
      if (!existing) throw unknownObject(`${spec.module} ${path.objectId} not found: PUT it first`);
      return { ...existing.data, ...body };
    }
    if (!existing) throw unknownObject(`location ${path.objectId} not found: PUT it first`);
    const merged = mergeIntoLocation(existing.data, { evseUid: path.evseUid, connectorId: path.connectorId }, body, method === 'PUT' ? 'put' : 'patch');
    if (!merged.ok) throw unknownObject(merged.reason);
    return merged.location;
  }
}
