import { Inject, Injectable } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import { endpointUrl, type PartyRef } from '@cpo/ocpi-protocol';
import type { Logger } from 'pino';
import { ObjectShaper } from '../objects/object-shaper.js';
import { PartnerClient } from '../outbound/partner-client.js';
import { partnerToken } from '../outbound/partner-token.js';
import { isRegistered } from '../partners/partner.types.js';
import { PartnersRepository } from '../partners/partners.repository.js';
import { TokenVault } from '../partners/token-vault.js';
import { OwnPartyService } from './own-party.service.js';

/** A Session or CDR change of an own charger, for the one eMSP it belongs to, sent after commit. */
export interface OwnDelivery {
  emsp: PartyRef;
  module: 'sessions' | 'cdrs';
  method: 'PUT' | 'PATCH' | 'POST';
  objectId: string;
  /** 2.2.1 shape, as cached. */
  body: Record<string, unknown>;
  correlationId: string;
}

/**
 * Sends own Sessions and CDRs to the eMSP they belong to (never broadcast), shaped for its version:
 * 2.1.1 eMSPs get 2.1.1 Sessions/CDRs with the Location embedded and no routing headers.
 * Pushes are not queued (guide §3): a failure is logged and the eMSP catches up by GET.
 */
@Injectable()
export class OwnDeliveryService {
  constructor(
    private readonly partners: PartnersRepository,
    private readonly client: PartnerClient,
    private readonly vault: TokenVault,
    private readonly shaper: ObjectShaper,
    private readonly own: OwnPartyService,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async deliver(d: OwnDelivery): Promise<void> {
    const emsp = await this.partners.findParty(d.emsp.countryCode, d.emsp.partyId, 'EMSP');
    const conn = emsp && (await this.partners.findConnection(emsp.connectionId));
    if (!conn || !isRegistered(conn) || conn.status !== 'CONNECTED') return;
    const base = endpointUrl(conn.endpoints, d.module, conn.version === '2.2.1' ? 'RECEIVER' : undefined);
    if (!base) {
      this.logger.warn({ partner: conn.name, module: d.module, objectId: d.objectId }, 'own session data not delivered: partner has no receiver for it');
      return;
    }
    const party = this.own.get();
    const owner = { countryCode: party.countryCode, partyId: party.partyId };
    const body = await this.shaper.shape(conn, d.module, d.body, owner, '2.2.1', { partial: d.method === 'PATCH' });
    const url = d.method === 'POST' ? base : `${base.replace(/\/$/, '')}/${party.countryCode}/${party.partyId}/${encodeURIComponent(d.objectId)}`;
    await this.client.call({
      connectionId: conn.id,
      partner: conn.name,
      module: d.module,
      method: d.method,
      url,
      ...partnerToken(this.vault, conn),
      body,
      correlationId: d.correlationId,
      ...(conn.version === '2.2.1' ? { to: d.emsp, from: owner } : {}),
    });
  }
}
