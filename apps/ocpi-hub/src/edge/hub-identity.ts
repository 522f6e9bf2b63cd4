import { Inject, Injectable } from '@nestjs/common';
import type { PartyRef } from '@cpo/ocpi-protocol';
import { HUB_CONFIG, type OcpiHubConfig } from '../config.js';

/** The hub's own party (`OCPI-to-*` = hub means broadcast or GET-all). */
@Injectable()
export class HubIdentity {
  readonly party: PartyRef;

  constructor(@Inject(HUB_CONFIG) config: OcpiHubConfig) {
    this.party = { countryCode: config.OCPI_HUB_COUNTRY_CODE, partyId: config.OCPI_HUB_PARTY_ID };
  }
}
