import { Injectable } from '@nestjs/common';
import type { PartyRef } from '@cpo/ocpi-protocol';
import { DataSource } from 'typeorm';

export interface TokenRoute {
  emsp: PartyRef;
  authorizationReference: string | null;
  locationId: string | null;
}

/** Remembered token → eMSP decisions of real-time authorisation, for the session and CDR that follow. */
@Injectable()
export class TokenRoutesRepository {
  constructor(private readonly db: DataSource) {}

  async remember(o: { cpo: PartyRef; uid: string; type: string; emsp: PartyRef; authorizationReference?: string; locationId?: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO ocpi_token_route (cpo_country_code, cpo_party_id, token_uid, token_type, emsp_country_code, emsp_party_id, authorization_reference, location_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (cpo_country_code, cpo_party_id, token_uid, token_type) DO UPDATE SET
         emsp_country_code = EXCLUDED.emsp_country_code, emsp_party_id = EXCLUDED.emsp_party_id,
         authorization_reference = EXCLUDED.authorization_reference, location_id = EXCLUDED.location_id, created_at = now()`,
      [o.cpo.countryCode, o.cpo.partyId, o.uid, o.type, o.emsp.countryCode, o.emsp.partyId, o.authorizationReference ?? null, o.locationId ?? null],
    );
  }

  async find(cpo: PartyRef, uid: string, type: string): Promise<TokenRoute | undefined> {
    const rows = await this.db.query(
      `SELECT emsp_country_code, emsp_party_id, authorization_reference, location_id FROM ocpi_token_route
       WHERE cpo_country_code = $1 AND cpo_party_id = $2 AND token_uid = $3 AND token_type = $4`,
      [cpo.countryCode, cpo.partyId, uid, type],
    );
    return rows[0] ? { emsp: { countryCode: rows[0].emsp_country_code, partyId: rows[0].emsp_party_id }, authorizationReference: rows[0].authorization_reference, locationId: rows[0].location_id } : undefined;
  }

  async findByReference(reference: string): Promise<(TokenRoute & { cpo: PartyRef }) | undefined> {
    const rows = await this.db.query(
      `SELECT * FROM ocpi_token_route WHERE authorization_reference = $1 ORDER BY created_at DESC LIMIT 1`,
      [reference],
    );
    const r = rows[0];
    return r ? { cpo: { countryCode: r.cpo_country_code, partyId: r.cpo_party_id }, emsp: { countryCode: r.emsp_country_code, partyId: r.emsp_party_id }, authorizationReference: r.authorization_reference, locationId: r.location_id } : undefined;
  }
}
