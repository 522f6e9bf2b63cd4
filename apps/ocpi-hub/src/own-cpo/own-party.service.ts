import { Inject, Injectable } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { HUB_CONFIG, type OcpiHubConfig } from '../config.js';
import { OWN_CONNECTION_NAME, type Party } from '../partners/partner.types.js';
import { PartnersRepository } from '../partners/partners.repository.js';

export { OWN_CONNECTION_NAME };

/**
 * The platform's own chargers as a CPO party of the hub, so operators make roaming agreements
 * with it like with any partner. Created on first boot; replicas serialise on an advisory lock.
 */
@Injectable()
export class OwnPartyService {
  private party?: Party;

  constructor(
    private readonly db: DataSource,
    private readonly repo: PartnersRepository,
    @Inject(HUB_CONFIG) private readonly config: OcpiHubConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async ensure(): Promise<Party> {
    const cc = this.config.OCPI_OWN_CPO_COUNTRY_CODE;
    const pid = this.config.OCPI_OWN_CPO_PARTY_ID;
    await this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('ocpi-own-cpo'))`);
      const existing = await tx.query(`SELECT 1 FROM ocpi_party WHERE country_code = $1 AND party_id = $2 AND role = 'CPO'`, [cc, pid]);
      if (existing.length > 0) return;
      const [{ id }] = await tx.query(`INSERT INTO ocpi_connection (name, face, status) VALUES ($1, 'emsp-face', 'CONNECTED') RETURNING id`, [OWN_CONNECTION_NAME]);
      await tx.query(`INSERT INTO ocpi_party (connection_id, country_code, party_id, role) VALUES ($1, $2, $3, 'CPO')`, [id, cc, pid]);
      this.logger.info({ countryCode: cc, partyId: pid }, 'own CPO party created');
    });
    const party = await this.repo.findParty(cc, pid, 'CPO');
    if (!party) throw new Error('own CPO party missing after creation');
    this.party = party;
    return party;
  }

  /** The own party (after boot). */
  get(): Party {
    if (!this.party) throw new Error('own CPO party not initialised');
    return this.party;
  }
}
