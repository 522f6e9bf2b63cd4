import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import { endpointUrl, partyKey, type ClientInfo, type ConnectionStatus } from '@cpo/ocpi-protocol';
import type { Logger } from 'pino';
import { PartnerClient } from '../outbound/partner-client.js';
import { partnerToken } from '../outbound/partner-token.js';
import { isRegistered, type Connection, type Party } from '../partners/partner.types.js';
import { PartnersRepository } from '../partners/partners.repository.js';
import { TokenVault } from '../partners/token-vault.js';

/** What one party should hear about another. */
export interface ClientInfoNotice {
  to: Party;
  about: Party;
  status: ConnectionStatus;
}

/** A party's ClientInfo as the hub reports it; `last_updated` is the hub's own (it owns these objects). */
export function clientInfo(about: Party, status: ConnectionStatus, at: Date): ClientInfo {
  return { party_id: about.partyId, country_code: about.countryCode, role: about.role, status, last_updated: at.toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

/**
 * HubClientInfo (2.2.1, guide §5): PUTs a party's ClientInfo to the parties it has agreements with
 * whenever the agreement or the connection changes. 2.1.1 partners have no such module; they are
 * told out of band.
 */
@Injectable()
export class ClientInfoService implements OnModuleDestroy {
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly repo: PartnersRepository,
    private readonly client: PartnerClient,
    private readonly vault: TokenVault,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** Sends the notices in the background (after the change committed). */
  notify(notices: ClientInfoNotice[], correlationId: string): void {
    if (notices.length === 0) return;
    const done = Promise.all(notices.map((n) => this.send(n, correlationId))).then(() => undefined);
    this.inflight.add(done);
    void done.finally(() => this.inflight.delete(done));
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }

  /** Notices about every party of `connection` for everyone it has an agreement with. */
  async noticesForConnection(connection: Connection, status: ConnectionStatus): Promise<ClientInfoNotice[]> {
    const partyIds = connection.parties.map((p) => p.id);
    if (partyIds.length === 0) return [];
    const agreements = await this.repo.listAgreements({ partyIds });
    return agreements.map((a) => (partyIds.includes(a.cpo.id) ? { to: a.emsp, about: a.cpo, status } : { to: a.cpo, about: a.emsp, status }));
  }

  private async send(n: ClientInfoNotice, correlationId: string): Promise<void> {
    try {
      const conn = await this.repo.findConnection(n.to.connectionId);
      // No pushes to parties that are offline or not on 2.2.1 (no hubclientinfo module).
      if (!conn || !isRegistered(conn) || conn.version !== '2.2.1' || conn.status !== 'CONNECTED') return;
      const base = endpointUrl(conn.endpoints, 'hubclientinfo', 'RECEIVER');
      if (!base) return;
      await this.client.call({
        connectionId: conn.id,
        partner: conn.name,
        module: 'hubclientinfo',
        method: 'PUT',
        url: `${base.replace(/\/$/, '')}/${n.about.countryCode}/${n.about.partyId}`,
        ...partnerToken(this.vault, conn),
        body: clientInfo(n.about, n.status, new Date()),
        correlationId,
      });
    } catch (err) {
      this.logger.warn({ err, to: partyKey(n.to), about: partyKey(n.about) }, 'could not push ClientInfo');
    }
  }

}
