import { APP_CONFIG } from '@cpo/platform';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { OscpConfig } from '../config.js';
import type { ConnectionState } from './connection-state.js';
import { TokenCipher } from './token-cipher.js';

export type PartnerProfile = 'elmo' | 'generic';

/** A capacity provider we talk to, with its connection. Tokens never leave the service. */
export interface Partner {
  id: string;
  name: string;
  profile: PartnerProfile;
  /** The provider's base URL as configured by an operator (wins over what the peer announces). */
  baseUrl: string;
  /** Our FP base URL as announced to this partner. */
  ourBaseUrl: string;
  state: ConnectionState;
  /** T0: the provider's initial token, usable until our first Register is accepted. */
  initialToken: string | null;
  /** The token the provider issued us in its Register (T_elmo). */
  outboundToken: string | null;
  inboundTokenHash: string | null;
  /** The token hash replaced by the last registration, valid until the peer presents the new one. */
  previousTokenHash: string | null;
  peerBaseUrl: string | null;
  requiredBehaviour: unknown;
  handshakeRequestId: string | null;
  offlineModeAt: Date | null;
  stateChangedAt: Date;
  createdAt: Date;
}

const COLUMNS = `id, name, profile, base_url, our_base_url, state, initial_token, outbound_token, inbound_token_hash, previous_token_hash, peer_base_url,
  required_behaviour, handshake_request_id, offline_mode_at, state_changed_at, created_at`;

interface Row {
  id: string;
  name: string;
  profile: PartnerProfile;
  base_url: string;
  our_base_url: string;
  state: ConnectionState;
  initial_token: string | null;
  outbound_token: string | null;
  inbound_token_hash: string | null;
  previous_token_hash: string | null;
  peer_base_url: string | null;
  required_behaviour: unknown;
  handshake_request_id: string | null;
  offline_mode_at: Date | null;
  state_changed_at: Date;
  created_at: Date;
}

const toPartner = (r: Row, decrypt: (v: string) => string): Partner => ({
  id: r.id,
  name: r.name,
  profile: r.profile,
  baseUrl: r.base_url,
  ourBaseUrl: r.our_base_url,
  state: r.state,
  initialToken: r.initial_token === null ? null : decrypt(r.initial_token),
  outboundToken: r.outbound_token === null ? null : decrypt(r.outbound_token),
  inboundTokenHash: r.inbound_token_hash,
  previousTokenHash: r.previous_token_hash,
  peerBaseUrl: r.peer_base_url,
  requiredBehaviour: r.required_behaviour,
  handshakeRequestId: r.handshake_request_id,
  offlineModeAt: r.offline_mode_at,
  stateChangedAt: r.state_changed_at,
  createdAt: r.created_at,
});

/** Columns a service may update (snake_case in SQL). */
export interface PartnerPatch {
  state?: ConnectionState;
  initialToken?: string | null;
  outboundToken?: string | null;
  inboundTokenHash?: string | null;
  peerBaseUrl?: string | null;
  requiredBehaviour?: unknown;
  handshakeRequestId?: string | null;
  offlineModeAt?: Date | null;
  baseUrl?: string;
}

const PATCH_COLUMNS: Record<keyof PartnerPatch, string> = {
  state: 'state',
  initialToken: 'initial_token',
  outboundToken: 'outbound_token',
  inboundTokenHash: 'inbound_token_hash',
  peerBaseUrl: 'peer_base_url',
  requiredBehaviour: 'required_behaviour',
  handshakeRequestId: 'handshake_request_id',
  offlineModeAt: 'offline_mode_at',
  baseUrl: 'base_url',
};

/** Partners; the tokens we present are encrypted at rest, the one we accept is only hashed. */
@Injectable()
export class PartnerRepository {
  private readonly cipher: TokenCipher;
  private readonly toPartner = (r: Row) => toPartner(r, (v) => this.cipher.decrypt(v));

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: OscpConfig,
  ) {
    this.cipher = new TokenCipher(config.OSCP_TOKEN_ENCRYPTION_KEY);
  }

  async insert(p: { name: string; profile: PartnerProfile; baseUrl: string; ourBaseUrl: string; initialToken?: string }): Promise<Partner> {
    const rows: Row[] = await this.dataSource.query(
      `INSERT INTO oscp_partner (name, profile, base_url, our_base_url, state, initial_token) VALUES ($1, $2, $3, $4, 'UNREGISTERED', $5)
       ON CONFLICT (name) DO NOTHING RETURNING ${COLUMNS}`,
      [p.name, p.profile, p.baseUrl, p.ourBaseUrl, p.initialToken === undefined ? null : this.cipher.encrypt(p.initialToken)],
    );
    return rows.map(this.toPartner)[0];
  }

  async list(): Promise<Partner[]> {
    const rows: Row[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM oscp_partner ORDER BY name`);
    return rows.map(this.toPartner);
  }

  async get(id: string, tx?: EntityManager, forUpdate = false): Promise<Partner | undefined> {
    const rows: Row[] = await (tx ?? this.dataSource.manager).query(`SELECT ${COLUMNS} FROM oscp_partner WHERE id = $1 ${forUpdate ? 'FOR UPDATE' : ''}`, [id]);
    return rows.map(this.toPartner)[0];
  }

  /** The partner presenting this token: the current one, or the one it replaced until the peer uses the new one. */
  async byInboundTokenHash(hash: string): Promise<Partner | undefined> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM oscp_partner WHERE inbound_token_hash = $1 OR previous_token_hash = $1 ORDER BY (inbound_token_hash = $1) DESC LIMIT 1`,
      [hash],
    );
    return rows.map(this.toPartner)[0];
  }

  /** Installs a new inbound token, keeping the old one valid until the peer presents the new one. */
  async rotateInboundToken(id: string, hash: string, tx: EntityManager): Promise<void> {
    await tx.query(`UPDATE oscp_partner SET previous_token_hash = inbound_token_hash, inbound_token_hash = $2 WHERE id = $1`, [id, hash]);
  }

  /** The peer used the current token: the previous one is retired for good. */
  async retirePreviousToken(id: string, tx: EntityManager): Promise<void> {
    await tx.query(`UPDATE oscp_partner SET previous_token_hash = NULL WHERE id = $1 AND previous_token_hash IS NOT NULL`, [id]);
  }

  async update(id: string, patch: PartnerPatch, tx?: EntityManager): Promise<void> {
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as [keyof PartnerPatch, unknown][];
    if (entries.length === 0) return;
    const sets = entries.map(([k], i) => `${PATCH_COLUMNS[k]} = $${i + 2}`);
    if (patch.state) sets.push(`state_changed_at = CASE WHEN state = $${entries.findIndex(([k]) => k === 'state') + 2} THEN state_changed_at ELSE now() END`);
    const values = entries.map(([k, v]) => {
      if (v === null) return v;
      if (k === 'requiredBehaviour') return JSON.stringify(v);
      if (k === 'initialToken' || k === 'outboundToken') return this.cipher.encrypt(v as string);
      return v;
    });
    await (tx ?? this.dataSource.manager).query(`UPDATE oscp_partner SET ${sets.join(', ')} WHERE id = $1`, [id, ...values]);
  }

  /** Partners whose state has not changed for `ms` (measured by the database clock). */
  async stuckIn(state: ConnectionState, ms: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM oscp_partner WHERE state = $1 AND state_changed_at < now() - ($2::int * interval '1 millisecond')`,
      [state, ms],
    );
    return rows.map((r) => r.id);
  }

  /** Connected partners whose announced `offline_mode_at` has passed at `now`. */
  async heartbeatLapsed(now: Date): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(`SELECT id FROM oscp_partner WHERE state = 'CONNECTED' AND offline_mode_at < $1`, [now]);
    return rows.map((r) => r.id);
  }

  /** Connected partners that asked for heartbeats, with when we last queued one. */
  async wantingHeartbeats(): Promise<{ id: string; intervalS: number; lastSentAt: Date | null }[]> {
    const rows: { id: string; interval_s: number; last_sent_at: Date | null }[] = await this.dataSource.query(
      `SELECT p.id, (p.required_behaviour->>'heartbeat_interval')::float8 AS interval_s,
              (SELECT max(o.created_at) FROM oscp_outbound o WHERE o.partner_id = p.id AND o.action = 'heartbeat') AS last_sent_at
       FROM oscp_partner p WHERE p.state = 'CONNECTED' AND p.profile = 'generic' AND p.required_behaviour ? 'heartbeat_interval'`,
    );
    return rows.map((r) => ({ id: r.id, intervalS: r.interval_s, lastSentAt: r.last_sent_at }));
  }

  /** Partner count per state, for the connection-state gauge. */
  async countByState(): Promise<{ name: string; state: ConnectionState }[]> {
    return this.dataSource.query(`SELECT name, state FROM oscp_partner`);
  }
}
