import { Injectable } from '@nestjs/common';
import { describe, parseDateTime, partyKey, sameParty, type OcpiVersion, type PartyRef } from '@cpo/ocpi-protocol';
import type { OcpiContext } from '../edge/ocpi-context.js';
import { HubIdentity } from '../edge/hub-identity.js';
import { invalidParameters, unknownObject, unknownReceiver } from '../edge/ocpi-errors.js';
import type { ObjectPath } from '../objects/broadcast.service.js';
import { DirectForwarder, type Forwarded } from '../objects/direct-forwarder.js';
import type { ModuleSpec } from '../objects/module-spec.js';
import { viewFor } from '../objects/object-view.js';
import { ObjectsRepository } from '../objects/objects.repository.js';
import { checkOwner } from '../objects/owner-check.js';
import type { Party } from '../partners/partner.types.js';
import { PartnersService } from '../partners/partners.service.js';
import { TokenRoutesRepository } from '../tokens/token-routes.repository.js';
import { targetHints } from './session-target.js';

type Json = Record<string, unknown>;

/**
 * Sessions and CDRs: cached, but delivered only to the eMSP they belong to (never broadcast, GDPR).
 * The target comes from the TO header, else `authorization_reference`, the token's remembered or
 * cached owner, then the contract-id prefix; none found → 4001 and nothing stored.
 */
@Injectable()
export class RoutedPushService {
  constructor(
    private readonly objects: ObjectsRepository,
    private readonly forwarder: DirectForwarder,
    private readonly partners: PartnersService,
    private readonly routes: TokenRoutesRepository,
    private readonly hub: HubIdentity,
  ) {}

  async push(ctx: OcpiContext, spec: ModuleSpec, path: ObjectPath, method: 'PUT' | 'PATCH' | 'POST', rawBody: unknown): Promise<Forwarded> {
    if (typeof rawBody !== 'object' || rawBody === null || Array.isArray(rawBody)) throw invalidParameters('the body must be a JSON object');
    const body = rawBody as Json;
    const cpo = checkOwner(ctx, path.owner, spec.ownerRole, body);
    const schema = spec.schema(ctx.version, 'location');
    if (method === 'PATCH') {
      if (ctx.version === '2.2.1' && spec.patchNeedsLastUpdated && body.last_updated === undefined) throw invalidParameters('a PATCH must include last_updated');
      const parsed = schema.partial().safeParse(body);
      if (!parsed.success) throw invalidParameters(`invalid ${spec.module} patch: ${describe(parsed.error)}`);
      if (body.id !== undefined && body.id !== path.objectId) throw invalidParameters('id in the body does not match the URL');
    } else {
      const parsed = schema.safeParse(body);
      if (!parsed.success) throw invalidParameters(`invalid ${spec.module} object: ${describe(parsed.error)}`);
      if (body.id !== path.objectId) throw invalidParameters('id in the body does not match the URL');
    }

    const existing = await this.objects.get(spec.module, path.owner, path.objectId);
    if (method === 'POST' && existing) throw invalidParameters(`${spec.module} ${path.objectId} exists already: CDRs are immutable`);
    if (method === 'PATCH' && !existing) throw unknownObject(`${spec.module} ${path.objectId} not found: PUT it first`);
    const target = existing?.audience ? await this.partyOf(cpo, existing.audience) : await this.resolveTarget(ctx, cpo, body);
    if (!target) throw unknownReceiver(`cannot tell which eMSP ${spec.module} ${path.objectId} belongs to`);

    // A PATCH merges into the stored object in its version (a CPO that re-registered on the other
    // version patches in the other shape); a PUT or POST replaces it in the version it was sent in.
    const storedVersion = method === 'PATCH' ? (existing!.sourceVersion as OcpiVersion) : (ctx.version as OcpiVersion);
    const change = storedVersion !== ctx.version ? viewFor({ version: storedVersion, ownerIdExtensions: true }, spec.module, body, path.owner, ctx.version as OcpiVersion, { partial: true, audience: target }) : body;
    const data = method === 'PATCH' ? { ...existing!.data, ...change } : body;
    const lastUpdated = typeof data.last_updated === 'string' ? parseDateTime(data.last_updated) : undefined;
    if (!lastUpdated) throw invalidParameters('last_updated missing or invalid');
    await this.objects.transaction((tx) =>
      this.objects.upsert(tx, { module: spec.module, countryCode: path.owner.countryCode, partyId: path.owner.partyId, objectId: path.objectId, objectType: '', data, sourceVersion: storedVersion, audience: partyKey(target) }, lastUpdated),
    );
    return this.forwarder.forward(ctx, spec, path, method === 'POST' ? 'POST' : method, body, { to: target, toBaseUrl: method === 'POST' });
  }

  private async resolveTarget(ctx: OcpiContext, cpo: Party, body: Json): Promise<PartyRef | undefined> {
    const agreed = (await this.partners.agreedCounterparts(cpo)).map((c) => c.party).filter((p) => p.role === 'EMSP');
    const pick = (ref: PartyRef | undefined) => (ref ? agreed.find((p) => sameParty(p, ref)) : undefined);
    const to = ctx.routing.to;
    if (to && !sameParty(to, this.hub.party)) {
      const direct = pick(to);
      if (!direct) throw unknownReceiver(`no agreement with ${partyKey(to)}`);
      return direct;
    }
    const hints = targetHints(ctx.version, body);
    if (hints.authorizationReference) {
      const route = await this.routes.findByReference(hints.authorizationReference);
      if (route && sameParty(route.cpo, cpo) && pick(route.emsp)) return pick(route.emsp);
    }
    if (hints.tokenUid) {
      const route = await this.routes.find(cpo, hints.tokenUid, hints.tokenType);
      if (route && pick(route.emsp)) return pick(route.emsp);
      const cached = await this.objects.findAmong('tokens', agreed, [], hints.tokenUid, hints.tokenType);
      if (cached.length === 1) return pick({ countryCode: cached[0].countryCode, partyId: cached[0].partyId });
    }
    return pick(hints.contractOwner);
  }

  private async partyOf(cpo: Party, audience: string): Promise<PartyRef | undefined> {
    const agreed = (await this.partners.agreedCounterparts(cpo)).map((c) => c.party);
    return agreed.find((p) => p.role === 'EMSP' && partyKey(p) === audience);
  }
}
