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
  /** How the route was made: `AUTH_REQUEST` (real-time authorisation) or `COMMAND` (START_SESSION); not yet the session's. */
  authMethod: string;
  /** When the route was written (a command's: when the hub forwarded the command). */
  at: Date;
  /** The transaction a command's route without a reference has been credited to, once it has. */
  commandTransactionId: number | null;
}

type RouteRow = Record<string, string | null>;

/** The token's route (parameters $1–$4: cpo country code and party id, uid, type). */
const TOKEN = 'r.cpo_country_code = $1 AND r.cpo_party_id = $2 AND r.token_uid = $3 AND r.token_type = $4';
/** What a refused command gives back of the route it replaced: all but the key. */
const RESTORED = ['emsp_country_code', 'emsp_party_id', 'authorization_reference', 'location_id', 'contract_id', 'auth_method', 'command_id', 'command_transaction_id', 'created_at'];

/**
 * Remembered token → eMSP decisions, for the session and CDR that follow: a real-time authorisation
 * the hub answered, or a START_SESSION it forwarded to an own charger (whose token the ocpp service
 * accepts without asking the hub).
 */
@Injectable()
export class TokenRoutesRepository {
  constructor(private readonly db: DataSource) {}

  async remember(
    o: { cpo: PartyRef; uid: string; type: string; emsp: PartyRef; authorizationReference?: string; locationId?: string; contractId?: string; authMethod?: 'AUTH_REQUEST' | 'COMMAND'; commandId?: string },
    tx?: EntityManager,
  ): Promise<void> {
    // Every column is replaced: what a later authorisation says of the token must not keep an earlier command's contract, method or claim.
    await (tx ?? this.db).query(
      `INSERT INTO ocpi_token_route (cpo_country_code, cpo_party_id, token_uid, token_type, emsp_country_code, emsp_party_id, authorization_reference, location_id, contract_id, auth_method, command_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (cpo_country_code, cpo_party_id, token_uid, token_type) DO UPDATE SET
         emsp_country_code = EXCLUDED.emsp_country_code, emsp_party_id = EXCLUDED.emsp_party_id,
         authorization_reference = EXCLUDED.authorization_reference, location_id = EXCLUDED.location_id,
         contract_id = EXCLUDED.contract_id, auth_method = EXCLUDED.auth_method, command_id = EXCLUDED.command_id,
         command_transaction_id = NULL, created_at = now()`,
      [o.cpo.countryCode, o.cpo.partyId, o.uid, o.type, o.emsp.countryCode, o.emsp.partyId, o.authorizationReference ?? null, o.locationId ?? null, o.contractId ?? null, o.authMethod ?? 'AUTH_REQUEST', o.commandId ?? null],
    );
  }

  /**
   * The route of a START_SESSION forwarded to an own charger, replacing the token's. The replaced
   * route is kept with the command until the charger's answer (`settleCommand`): a command the
   * charger refused gives it back. In the command's transaction, which holds the token's lock.
   */
  async rememberCommand(
    o: { cpo: PartyRef; uid: string; type: string; emsp: PartyRef; authorizationReference?: string; locationId?: string; contractId?: string; commandId: string },
    tx: EntityManager,
  ): Promise<void> {
    const key = [o.cpo.countryCode, o.cpo.partyId, o.uid, o.type];
    // FOR UPDATE does not lock a route not written yet: two commands for a new token must not both see none.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`ocpi_token_route:${JSON.stringify(key)}`]);
    const [replaced]: { route: RouteRow }[] = await tx.query(`SELECT to_jsonb(r) AS route FROM ocpi_token_route r WHERE ${TOKEN} FOR UPDATE`, key);
    await this.remember({ ...o, authMethod: 'COMMAND' }, tx);
    await tx.query(
      `INSERT INTO ocpi_token_route_command (command_id, cpo_country_code, cpo_party_id, token_uid, token_type, replaced) VALUES ($5, $1, $2, $3, $4, $6)`,
      [...key, o.commandId, replaced ? JSON.stringify(replaced.route) : null],
    );
  }

  /**
   * The charger's answer to a START_SESSION is known. One it may have acted on (accepted, timed
   * out) keeps its route; a refused one (nothing started) gives the token the route it replaced,
   * or none, if the command's route is still the token's; if a later command replaced it, that
   * command will give back the route this one replaced instead.
   */
  async settleCommand(commandId: string, mayHaveStarted: boolean, tx: EntityManager): Promise<void> {
    // The token's lock before this command's row: a refused command rewrites a later pending
    // command's row (below) under the lock, so a settle that deleted its own row first and then
    // waited for the lock would deadlock with one holding the lock and waiting for that row.
    const [token]: { cpo_country_code: string; cpo_party_id: string; token_uid: string; token_type: string }[] = await tx.query(
      `SELECT cpo_country_code, cpo_party_id, token_uid, token_type FROM ocpi_token_route_command WHERE command_id = $1`,
      [commandId],
    );
    if (!token) return;
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`ocpi_token_route:${JSON.stringify([token.cpo_country_code, token.cpo_party_id, token.token_uid, token.token_type])}`]);
    // TypeORM answers a DELETE … RETURNING on PostgreSQL with [rows, affected].
    const [[pending]]: [{ cpo_country_code: string; cpo_party_id: string; token_uid: string; token_type: string; replaced: RouteRow | null }[], number] = await tx.query(
      `DELETE FROM ocpi_token_route_command WHERE command_id = $1 RETURNING *`,
      [commandId],
    );
    if (!pending || mayHaveStarted) return;
    const key = [pending.cpo_country_code, pending.cpo_party_id, pending.token_uid, pending.token_type];
    const replaced = pending.replaced === null ? null : JSON.stringify(pending.replaced);
    const [, restored]: [unknown, number] = replaced
      ? await tx.query(
          `UPDATE ocpi_token_route r SET (${RESTORED.join(', ')}) = (SELECT ${RESTORED.map((c) => `p.${c}`).join(', ')} FROM jsonb_populate_record(NULL::ocpi_token_route, $6::jsonb) p)
           WHERE ${TOKEN} AND r.command_id = $5`,
          [...key, commandId, replaced],
        )
      : await tx.query(`DELETE FROM ocpi_token_route r WHERE ${TOKEN} AND r.command_id = $5`, [...key, commandId]);
    if (restored > 0) return;
    await tx.query(`UPDATE ocpi_token_route_command r SET replaced = $6::jsonb WHERE ${TOKEN} AND r.replaced->>'command_id' = $5`, [...key, commandId, replaced]);
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
   * Scoped to the uid because references are the eMSPs' own and two may choose the same. Locked
   * until the transaction ends: a command's route is claimed by one session only (`claimCommand`).
   */
  async forSession(cpo: PartyRef, uid: string, reference: string | undefined, tx: EntityManager): Promise<SessionTokenRoute | undefined> {
    const rows: RouteRow[] = await tx.query(
      `SELECT * FROM ocpi_token_route WHERE cpo_country_code = $1 AND cpo_party_id = $2 AND token_uid = $3
       ORDER BY COALESCE(authorization_reference = $4::text, false) DESC, created_at DESC LIMIT 1 FOR UPDATE`,
      [cpo.countryCode, cpo.partyId, uid, reference ?? null],
    );
    const r = rows[0];
    if (!r) return undefined;
    const claimed = r.command_transaction_id;
    return { ...routeOf(r), tokenType: String(r.token_type), contractId: r.contract_id, authMethod: String(r.auth_method), at: new Date(r.created_at as unknown as Date), commandTransactionId: claimed === null ? null : Number(claimed) };
  }

  /** Credits a command's route without a reference to the transaction it started: later ones of the token are not the command's. */
  async claimCommand(cpo: PartyRef, uid: string, type: string, transactionId: number, tx: EntityManager): Promise<void> {
    await tx.query(`UPDATE ocpi_token_route r SET command_transaction_id = $5 WHERE ${TOKEN} AND r.auth_method = 'COMMAND'`, [cpo.countryCode, cpo.partyId, uid, type, transactionId]);
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
