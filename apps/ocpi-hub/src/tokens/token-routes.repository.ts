import { Injectable } from '@nestjs/common';
import type { PartyRef } from '@cpo/ocpi-protocol';
import { DataSource, type EntityManager } from 'typeorm';

export interface TokenRoute {
  emsp: PartyRef;
  authorizationReference: string | null;
  locationId: string | null;
}

/** A route as the Session of a transaction needs it: the token as the eMSP named it, and how it was authorised. */
export interface SessionTokenRoute extends TokenRoute {
  tokenType: string;
  /** The eMSP's contract id (2.1.1 `auth_id`) when the route came from a command carrying the token. */
  contractId: string | null;
  /** OCPI AuthMethod: `AUTH_REQUEST` (real-time authorisation) or `COMMAND` (START_SESSION). */
  authMethod: string;
}

type RouteRow = Record<string, string | null>;

/**
 * Remembered token → eMSP decisions, for the session and CDR that follow: a real-time authorisation
 * the hub answered, or a START_SESSION it forwarded to an own charger (whose token the ocpp service
 * accepts without asking the hub).
 */
@Injectable()
export class TokenRoutesRepository {
  constructor(private readonly db: DataSource) {}

  async remember(
    o: { cpo: PartyRef; uid: string; type: string; emsp: PartyRef; authorizationReference?: string; locationId?: string; contractId?: string; authMethod?: 'AUTH_REQUEST' | 'COMMAND' },
    tx?: EntityManager,
  ): Promise<void> {
    // Every column is replaced: what a later authorisation says of the token must not keep an earlier command's contract or method.
    await (tx ?? this.db).query(
      `INSERT INTO ocpi_token_route (cpo_country_code, cpo_party_id, token_uid, token_type, emsp_country_code, emsp_party_id, authorization_reference, location_id, contract_id, auth_method)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (cpo_country_code, cpo_party_id, token_uid, token_type) DO UPDATE SET
         emsp_country_code = EXCLUDED.emsp_country_code, emsp_party_id = EXCLUDED.emsp_party_id,
         authorization_reference = EXCLUDED.authorization_reference, location_id = EXCLUDED.location_id,
         contract_id = EXCLUDED.contract_id, auth_method = EXCLUDED.auth_method, created_at = now()`,
      [o.cpo.countryCode, o.cpo.partyId, o.uid, o.type, o.emsp.countryCode, o.emsp.partyId, o.authorizationReference ?? null, o.locationId ?? null, o.contractId ?? null, o.authMethod ?? 'AUTH_REQUEST'],
    );
  }

  async find(cpo: PartyRef, uid: string, type: string): Promise<TokenRoute | undefined> {
    const rows = await this.db.query(
      `SELECT emsp_country_code, emsp_party_id, authorization_reference, location_id FROM ocpi_token_route
       WHERE cpo_country_code = $1 AND cpo_party_id = $2 AND token_uid = $3 AND token_type = $4`,
      [cpo.countryCode, cpo.partyId, uid, type],
    );
    return rows[0] ? routeOf(rows[0]) : undefined;
  }

  /**
   * The route of the token that started a transaction at `cpo` (the OCPP idTag is the token uid):
   * the one with the session's `authorization_reference` first (a START_SESSION's or an
   * authorisation's, whatever the token type), else the token's latest, whatever its type (a
   * START_SESSION without a reference, e.g. from a 2.1.1 eMSP, names an APP_USER or OTHER token).
   * Scoped to the uid because references are the eMSPs' own and two may choose the same.
   */
  async forSession(cpo: PartyRef, uid: string, reference: string | undefined): Promise<SessionTokenRoute | undefined> {
    const rows: RouteRow[] = await this.db.query(
      `SELECT * FROM ocpi_token_route WHERE cpo_country_code = $1 AND cpo_party_id = $2 AND token_uid = $3
       ORDER BY COALESCE(authorization_reference = $4::text, false) DESC, created_at DESC LIMIT 1`,
      [cpo.countryCode, cpo.partyId, uid, reference ?? null],
    );
    const r = rows[0];
    if (!r) return undefined;
    // A START_SESSION's route (one per uid and type) replaces the card's real-time authorisation's. A
    // command that named a reference started only the session ocpp publishes with that reference: a
    // later session of the token without it (a local-list or cached card) was not started by a command.
    const commanded = r.auth_method === 'COMMAND' && (r.authorization_reference === null || r.authorization_reference === reference);
    return { ...routeOf(r), tokenType: String(r.token_type), contractId: r.contract_id, authMethod: commanded ? 'COMMAND' : 'AUTH_REQUEST' };
  }

  async findByReference(reference: string): Promise<(TokenRoute & { cpo: PartyRef }) | undefined> {
    const rows = await this.db.query(
      `SELECT * FROM ocpi_token_route WHERE authorization_reference = $1 ORDER BY created_at DESC LIMIT 1`,
      [reference],
    );
    const r = rows[0];
    return r ? { cpo: { countryCode: r.cpo_country_code, partyId: r.cpo_party_id }, ...routeOf(r) } : undefined;
  }
}

const routeOf = (r: RouteRow): TokenRoute => ({
  emsp: { countryCode: String(r.emsp_country_code), partyId: String(r.emsp_party_id) },
  authorizationReference: r.authorization_reference,
  locationId: r.location_id,
});
