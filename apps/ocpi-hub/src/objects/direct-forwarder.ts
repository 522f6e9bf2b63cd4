import { Inject, Injectable } from '@nestjs/common';
import { TimeoutError } from '@cpo/platform';
import { endpointUrl, partyKey, sameParty, type ParsedOcpiResponse, type PartyRef } from '@cpo/ocpi-protocol';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '@cpo/platform';
import type { OcpiContext } from '../edge/ocpi-context.js';
import { forwardTimeout, receiverNotConnected, unknownReceiver } from '../edge/ocpi-errors.js';
import { PartnerClient } from '../outbound/partner-client.js';
import { partnerToken } from '../outbound/partner-token.js';
import { isRegistered } from '../partners/partner.types.js';
import { PartnersRepository } from '../partners/partners.repository.js';
import { PartnersService } from '../partners/partners.service.js';
import { TokenVault } from '../partners/token-vault.js';
import { objectUrl, type ObjectPath } from './broadcast.service.js';
import type { ModuleSpec } from './module-spec.js';
import { ObjectShaper } from './object-shaper.js';

/** A receiver's answer relayed to the requester unchanged (its 2xxx/3xxx included). */
export interface Forwarded {
  httpStatus: number;
  envelope: ParsedOcpiResponse;
  headers?: Headers;
}

/** Party-to-party routing (2.2.1 TO = a party): one forward, only along an agreement. */
@Injectable()
export class DirectForwarder {
  constructor(
    private readonly repo: PartnersRepository,
    private readonly partners: PartnersService,
    private readonly client: PartnerClient,
    private readonly vault: TokenVault,
    private readonly shaper: ObjectShaper,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Forwards to `to` (default: the TO header). `objectUrl` is false for a POST to the module's base
   * URL (CDRs). Returns the receiver's answer and its response headers.
   */
  async forward(
    ctx: OcpiContext,
    spec: ModuleSpec,
    path: ObjectPath,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    body?: Record<string, unknown>,
    options: { to?: PartyRef; toBaseUrl?: boolean } = {},
  ): Promise<Forwarded> {
    const to = options.to ?? ctx.routing.to!;
    const target = await this.repo.findParty(to.countryCode, to.partyId, spec.readerRole);
    const owner = await this.repo.findParty(path.owner.countryCode, path.owner.partyId, spec.ownerRole);
    if (!target || !owner) throw unknownReceiver(`unknown receiver ${partyKey(to)}`);
    const agreed = (await this.partners.agreedCounterparts(owner)).some((c) => sameParty(c.party, target) && c.party.role === target.role);
    if (!agreed) throw unknownReceiver(`no roaming agreement with ${partyKey(to)}`);
    const conn = await this.repo.findConnection(target.connectionId);
    if (!conn || !isRegistered(conn) || conn.status !== 'CONNECTED') throw receiverNotConnected(`${partyKey(to)} is not connected`);
    const base = endpointUrl(conn.endpoints, spec.module, conn.version === '2.2.1' ? 'RECEIVER' : undefined);
    if (!base) throw unknownReceiver(`${partyKey(to)} has no ${spec.module} receiver endpoint`);
    try {
      const res = await this.client.call({
        connectionId: conn.id,
        partner: conn.name,
        module: spec.module,
        method,
        url: options.toBaseUrl ? base : objectUrl(base, path, spec.typed && conn.version === '2.2.1'),
        ...(spec.module === 'tokens' ? { personalData: path.objectId } : {}),
        ...partnerToken(this.vault, conn),
        body: body && (await this.shaper.shape(conn, spec.module, body, path.owner, ctx.version, { level: path.connectorId ? 'connector' : path.evseUid ? 'evse' : 'location', partial: method === 'PATCH', audience: target })),
        correlationId: ctx.correlationId,
        ...(conn.version === '2.2.1' ? { to, from: ctx.routing.from ?? path.owner } : {}),
      });
      if (!res.envelope) throw receiverNotConnected(`${partyKey(to)} answered HTTP ${res.httpStatus} without an OCPI body`);
      return { httpStatus: res.httpStatus, envelope: res.envelope, headers: res.headers };
    } catch (err) {
      if (err instanceof TimeoutError) throw forwardTimeout(`${partyKey(to)} did not answer in time`);
      if ((err as { details?: { ocpiStatus?: number } }).details?.ocpiStatus) throw err;
      this.logger.warn({ err, to: partyKey(to) }, 'direct forward failed');
      throw receiverNotConnected(`${partyKey(to)} is unreachable`);
    }
  }
}
