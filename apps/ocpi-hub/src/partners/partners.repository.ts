import { Injectable } from '@nestjs/common';
import type { OcpiVersion, PartnerEndpoint, Role, TokenEncoding } from '@cpo/ocpi-protocol';
import { DataSource, type EntityManager } from 'typeorm';
import type { Agreement, Connection, ConnectionStatus, Face, Party } from './partner.types.js';

interface ConnectionRow {
  id: string;
  name: string;
  face: Face;
  status: ConnectionStatus;
  version: OcpiVersion | null;
  endpoints: PartnerEndpoint[];
  partner_versions_url: string | null;
  partner_token_enc: string | null;
  our_token_enc: string | null;
  outbound_encoding: TokenEncoding | null;
  inbound_encoding: TokenEncoding | null;
  owner_id_extensions: boolean;
  needs_resync: boolean;
  updated_at: Date;
  parties: { id: string; country_code: string; party_id: string; role: Role }[] | null;
}

const SELECT_CONNECTION = `
  SELECT c.*, (SELECT json_agg(json_build_object('id', p.id, 'country_code', p.country_code, 'party_id', p.party_id, 'role', p.role) ORDER BY p.role, p.country_code, p.party_id)
               FROM ocpi_party p WHERE p.connection_id = c.id) AS parties
  FROM ocpi_connection c`;

function toConnection(r: ConnectionRow): Connection {
  return {
    id: r.id,
    name: r.name,
    face: r.face,
    status: r.status,
    version: r.version,
    endpoints: r.endpoints,
    partnerVersionsUrl: r.partner_versions_url,
    partnerTokenEnc: r.partner_token_enc,
    ourTokenEnc: r.our_token_enc,
    outboundEncoding: r.outbound_encoding,
    inboundEncoding: r.inbound_encoding,
    ownerIdExtensions: r.owner_id_extensions,
    needsResync: r.needs_resync,
    updatedAt: r.updated_at,
    parties: (r.parties ?? []).map((p) => ({ id: p.id, connectionId: r.id, countryCode: p.country_code, partyId: p.party_id, role: p.role })),
  };
}

/** Which token matched an inbound call. */
export type TokenKind = 'A' | 'C' | 'previous';

/** Connections, parties and agreements in PostgreSQL. */
@Injectable()
export class PartnersRepository {
  constructor(private readonly db: DataSource) {}

  async createConnection(tx: EntityManager, o: { name: string; face: Face; tokenAHmac: string; tokenAEnc: string; parties: { countryCode: string; partyId: string; role: Role }[]; ownerIdExtensions: boolean; outboundEncoding: TokenEncoding | null }): Promise<string> {
    const [{ id }] = await tx.query(
      `INSERT INTO ocpi_connection (name, face, token_a_hmac, token_a_enc, owner_id_extensions, outbound_encoding) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [o.name, o.face, o.tokenAHmac, o.tokenAEnc, o.ownerIdExtensions, o.outboundEncoding],
    );
    for (const p of o.parties) {
      await tx.query(`INSERT INTO ocpi_party (connection_id, country_code, party_id, role) VALUES ($1, $2, $3, $4)`, [id, p.countryCode, p.partyId, p.role]);
    }
    return id as string;
  }

  async findConnection(id: string, tx: EntityManager = this.db.manager): Promise<Connection | undefined> {
    const rows: ConnectionRow[] = await tx.query(`${SELECT_CONNECTION} WHERE c.id = $1`, [id]);
    return rows[0] ? toConnection(rows[0]) : undefined;
  }

  async findConnections(ids: string[]): Promise<Connection[]> {
    if (ids.length === 0) return [];
    const rows: ConnectionRow[] = await this.db.query(`${SELECT_CONNECTION} WHERE c.id = ANY($1::uuid[])`, [ids]);
    return rows.map(toConnection);
  }

  async findConnectionForUpdate(tx: EntityManager, id: string): Promise<Connection | undefined> {
    await tx.query(`SELECT 1 FROM ocpi_connection WHERE id = $1 FOR UPDATE`, [id]);
    return this.findConnection(id, tx);
  }

  /** The connection a token index belongs to, and which of its tokens it is. */
  async findByTokenIndex(hmac: string): Promise<{ connection: Connection; kind: TokenKind } | undefined> {
    const rows: (ConnectionRow & { kind: TokenKind })[] = await this.db.query(
      `${SELECT_CONNECTION.replace('SELECT c.*', `SELECT c.*, CASE WHEN c.our_token_hmac = $1 THEN 'C' WHEN c.token_a_hmac = $1 THEN 'A' ELSE 'previous' END AS kind`)}
       WHERE c.our_token_hmac = $1 OR c.token_a_hmac = $1 OR (c.prev_token_hmac = $1 AND c.prev_token_expires_at > now())`,
      [hmac],
    );
    return rows[0] ? { connection: toConnection(rows[0]), kind: rows[0].kind } : undefined;
  }

  async listConnections(): Promise<Connection[]> {
    const rows: ConnectionRow[] = await this.db.query(`${SELECT_CONNECTION} ORDER BY c.created_at`);
    return rows.map(toConnection);
  }

  /** Completes or renews a registration: partner token and endpoints, our new token, token A gone. */
  async saveRegistration(
    tx: EntityManager,
    id: string,
    o: { version: OcpiVersion; partnerTokenEnc: string; partnerVersionsUrl: string; endpoints: PartnerEndpoint[]; ourTokenHmac: string; ourTokenEnc: string; businessDetails: unknown; graceMs?: number },
  ): Promise<void> {
    await tx.query(
      `UPDATE ocpi_connection SET
         prev_token_hmac = CASE WHEN $8::int IS NULL THEN NULL ELSE our_token_hmac END,
         prev_token_expires_at = CASE WHEN $8::int IS NULL THEN NULL ELSE now() + make_interval(secs => $8::int / 1000.0) END,
         version = $2, partner_token_enc = $3, partner_versions_url = $4, endpoints = $5::jsonb,
         our_token_hmac = $6, our_token_enc = $7, business_details = $9::jsonb,
         token_a_hmac = NULL, token_a_enc = NULL, status = 'CONNECTED', needs_resync = false, last_seen_at = now(), updated_at = now()
       WHERE id = $1`,
      [id, o.version, o.partnerTokenEnc, o.partnerVersionsUrl, JSON.stringify(o.endpoints), o.ourTokenHmac, o.ourTokenEnc, o.graceMs ?? null, JSON.stringify(o.businessDetails ?? null)],
    );
  }

  /**
   * The hub as initiator: our token for the partner becomes valid before we post our credentials,
   * because the partner calls our versions with it while handling that POST. Only while unregistered.
   */
  async setPendingOurToken(id: string, hmac: string | null, enc: string | null): Promise<void> {
    await this.db.query(`UPDATE ocpi_connection SET our_token_hmac = $2, our_token_enc = $3 WHERE id = $1 AND version IS NULL`, [id, hmac, enc]);
  }

  /** Unregisters (DELETE credentials): every token and endpoint forgotten, no more automated traffic. */
  async unregister(tx: EntityManager, id: string): Promise<void> {
    await tx.query(
      `UPDATE ocpi_connection SET version = NULL, partner_token_enc = NULL, endpoints = '[]', our_token_hmac = NULL, our_token_enc = NULL,
         prev_token_hmac = NULL, prev_token_expires_at = NULL, status = 'SUSPENDED', updated_at = now() WHERE id = $1`,
      [id],
    );
  }

  async markSeen(id: string, encoding: TokenEncoding): Promise<void> {
    await this.db.query(`UPDATE ocpi_connection SET last_seen_at = now(), inbound_encoding = $2 WHERE id = $1 AND (inbound_encoding IS DISTINCT FROM $2 OR last_seen_at < now() - interval '30 seconds' OR last_seen_at IS NULL)`, [id, encoding]);
  }

  async setStatus(id: string, status: ConnectionStatus): Promise<void> {
    await this.db.query(`UPDATE ocpi_connection SET status = $2, updated_at = now() WHERE id = $1`, [id, status]);
  }

  /** Registered connections that have not called us since `silentMs`. */
  async silentConnections(silentMs: number): Promise<Connection[]> {
    const rows: ConnectionRow[] = await this.db.query(
      `${SELECT_CONNECTION} WHERE c.version IS NOT NULL AND c.partner_token_enc IS NOT NULL AND c.status IN ('CONNECTED', 'OFFLINE')
         AND (c.last_seen_at IS NULL OR c.last_seen_at < now() - make_interval(secs => $1::int / 1000.0))`,
      [silentMs],
    );
    return rows.map(toConnection);
  }

  async lastSync(id: string): Promise<Date | null> {
    const rows = await this.db.query(`SELECT last_sync_at FROM ocpi_connection WHERE id = $1`, [id]);
    return rows[0]?.last_sync_at ?? null;
  }

  async setLastSync(id: string, at: Date): Promise<void> {
    await this.db.query(`UPDATE ocpi_connection SET last_sync_at = $2, needs_resync = false WHERE id = $1`, [id, at]);
  }

  async touch(id: string): Promise<void> {
    await this.db.query(`UPDATE ocpi_connection SET last_seen_at = now() WHERE id = $1`, [id]);
  }

  async setNeedsResync(id: string, value: boolean): Promise<void> {
    await this.db.query(`UPDATE ocpi_connection SET needs_resync = $2 WHERE id = $1`, [id, value]);
  }

  async findParty(countryCode: string, partyId: string, role: Role): Promise<Party | undefined> {
    const rows = await this.db.query(`SELECT id, connection_id, country_code, party_id, role FROM ocpi_party WHERE country_code = $1 AND party_id = $2 AND role = $3`, [countryCode, partyId, role]);
    return rows[0] ? toParty(rows[0]) : undefined;
  }

  async createAgreement(tx: EntityManager, o: { cpoParty: string; emspParty: string; rtaOnTimeout: 'ALLOW' | 'DENY'; rtaTimeoutMs: number | null; chargingProfiles211: boolean }): Promise<string> {
    const [{ id }] = await tx.query(
      `INSERT INTO ocpi_agreement (cpo_party, emsp_party, rta_on_timeout, rta_timeout_ms, charging_profiles_211) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [o.cpoParty, o.emspParty, o.rtaOnTimeout, o.rtaTimeoutMs, o.chargingProfiles211],
    );
    return id as string;
  }

  /** Changes the given settings of an agreement; false when it does not exist. */
  async updateAgreement(tx: EntityManager, id: string, o: { rtaOnTimeout?: 'ALLOW' | 'DENY'; rtaTimeoutMs?: number; chargingProfiles211?: boolean }): Promise<boolean> {
    const [, count] = await tx.query(
      `UPDATE ocpi_agreement SET rta_on_timeout = coalesce($2, rta_on_timeout), rta_timeout_ms = coalesce($3, rta_timeout_ms), charging_profiles_211 = coalesce($4, charging_profiles_211) WHERE id = $1`,
      [id, o.rtaOnTimeout ?? null, o.rtaTimeoutMs ?? null, o.chargingProfiles211 ?? null],
    );
    return count > 0;
  }

  async deleteAgreement(tx: EntityManager, id: string): Promise<boolean> {
    const [, count] = await tx.query(`DELETE FROM ocpi_agreement WHERE id = $1`, [id]);
    return count > 0;
  }

  /** Agreements, optionally only those one party takes part in. */
  async listAgreements(filter: { partyIds?: string[]; id?: string } = {}): Promise<Agreement[]> {
    const rows = await this.db.query(
      `SELECT a.id, a.rta_on_timeout, a.rta_timeout_ms, a.charging_profiles_211,
              c.id AS c_id, c.connection_id AS c_conn, c.country_code AS c_cc, c.party_id AS c_pid, c.role AS c_role,
              e.id AS e_id, e.connection_id AS e_conn, e.country_code AS e_cc, e.party_id AS e_pid, e.role AS e_role
       FROM ocpi_agreement a JOIN ocpi_party c ON c.id = a.cpo_party JOIN ocpi_party e ON e.id = a.emsp_party
       WHERE ($1::uuid[] IS NULL OR a.cpo_party = ANY($1) OR a.emsp_party = ANY($1)) AND ($2::uuid IS NULL OR a.id = $2)
       ORDER BY a.created_at`,
      [filter.partyIds ?? null, filter.id ?? null],
    );
    return rows.map((r: Record<string, string>) => ({
      id: r.id,
      chargingProfiles211: (r.charging_profiles_211 as unknown) === true,
      rtaOnTimeout: r.rta_on_timeout as 'ALLOW' | 'DENY',
      rtaTimeoutMs: r.rta_timeout_ms === null ? null : Number(r.rta_timeout_ms),
      cpo: { id: r.c_id, connectionId: r.c_conn, countryCode: r.c_cc, partyId: r.c_pid, role: r.c_role as Role },
      emsp: { id: r.e_id, connectionId: r.e_conn, countryCode: r.e_cc, partyId: r.e_pid, role: r.e_role as Role },
    }));
  }

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }
}

function toParty(r: { id: string; connection_id: string; country_code: string; party_id: string; role: Role }): Party {
  return { id: r.id, connectionId: r.connection_id, countryCode: r.country_code, partyId: r.party_id, role: r.role };
}
