import { buildHandshakeAcknowledge, buildRegister, newToken, type HandshakeMessage, type RegisterMessage } from '@cpo/oscp-protocol';
import { APP_CONFIG, ConflictError, MetricsService, NotFoundError, ROOT_LOGGER } from '@cpo/platform';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { DataSource, type EntityManager } from 'typeorm';
import type { OscpConfig } from '../config.js';
import { OutboundDispatcher } from '../outbound/outbound.dispatcher.js';
import { OutboundRepository } from '../outbound/outbound.repository.js';
import { CONNECTION_STATES, nextState, type ConnectionEvent } from './connection-state.js';
import { PartnerRepository, type Partner, type PartnerProfile } from './partner.repository.js';
import { hashToken } from './token-hash.js';

/** How many times a HandshakeAcknowledge is tried before the connection needs a resync. */
const ACK_ATTEMPTS = 5;

/**
 * Partners, their tokens and their connection state machine: registration (token exchange),
 * handshake and acknowledge, heartbeats and rejection. Each change is one transaction that also
 * queues the follow-up message, which the dispatcher sends after the answer is on the wire.
 */
@Injectable()
export class PartnersService implements OnModuleInit {
  private readonly logger: Logger;

  constructor(
    private readonly partners: PartnerRepository,
    private readonly outbound: OutboundRepository,
    private readonly dispatcher: OutboundDispatcher,
    private readonly dataSource: DataSource,
    metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: OscpConfig,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'oscp-partners' });
    const repo = this.partners;
    new Gauge({
      name: 'oscp_partner_connection_state',
      help: 'Connection state per partner (1 = the current state)',
      labelNames: ['partner', 'state'],
      registers: [metrics.registry],
      async collect() {
        this.reset();
        for (const p of await repo.countByState()) for (const s of CONNECTION_STATES) this.set({ partner: p.name, state: s }, p.state === s ? 1 : 0);
      },
    });
  }

  onModuleInit(): void {
    this.dispatcher.on('register', {
      onSent: async (m, tx) => {
        // A PUT only rotates our token; the connection stays as it is.
        if (m.method === 'PUT') return;
        // ELMO overwrites T0 the moment it accepts our Register: never present it again.
        await this.transition(m.partnerId, 'register_accepted', tx, { initialToken: null });
      },
      onFailed: async (m, _outcome, tx) => {
        if (m.method === 'PUT') {
          this.logger.warn({ partnerId: m.partnerId, requestId: m.requestId }, 'token rotation not accepted; the old token stays valid');
          return;
        }
        await this.transition(m.partnerId, 'register_failed', tx);
      },
    });
    this.dispatcher.on('handshake_acknowledge', {
      onSent: async (m, tx) => this.transition(m.partnerId, 'ack_accepted', tx),
      onFailed: async (m, _outcome, tx) => this.transition(m.partnerId, 'ack_failed', tx),
    });
  }

  async create(p: { name: string; profile: PartnerProfile; baseUrl: string; initialToken?: string; ourBaseUrl?: string }): Promise<Partner> {
    const created = await this.partners.insert({ ...p, baseUrl: p.baseUrl.replace(/\/+$/, ''), ourBaseUrl: p.ourBaseUrl ?? this.config.OSCP_PUBLIC_BASE_URL });
    if (!created) throw new ConflictError(`partner "${p.name}" already exists`);
    this.logger.info({ partnerId: created.id, name: created.name, profile: created.profile }, 'partner configured');
    return created;
  }

  list(): Promise<Partner[]> {
    return this.partners.list();
  }

  async get(id: string): Promise<Partner> {
    const partner = await this.partners.get(id);
    if (!partner) throw new NotFoundError(`partner ${id} not found`);
    return partner;
  }

  /**
   * Starts (or restarts) registration: POST register with T0, or with the current token for a
   * resync. Our inbound token is stored before anything is sent, so the peer's Register reply can
   * be authenticated even if it overtakes our own bookkeeping.
   */
  async register(partnerId: string): Promise<{ requestId: string }> {
    const queued = await this.dataSource.transaction(async (tx) => {
      const partner = await this.partners.get(partnerId, tx, true);
      if (!partner) throw new NotFoundError(`partner ${partnerId} not found`);
      if (!partner.outboundToken && !partner.initialToken) throw new ConflictError('no token to register with: configure a new initial token');
      // We keep only a hash, so every Register carries a fresh token; the old one stays valid
      // until the peer presents the new one (its Register reply may still be in flight).
      const ourToken = newToken();
      await this.partners.rotateInboundToken(partnerId, hashToken(ourToken), tx);
      // Registration is not retried automatically: a lost 204 may already have burnt T0 at ELMO.
      return this.outbound.enqueue(tx, { partnerId, action: 'register', body: buildRegister(ourToken, partner.ourBaseUrl), maxAttempts: 1 });
    });
    this.dispatcher.kick();
    return { requestId: queued.requestId };
  }

  /**
   * Rotates our inbound token with PUT register (no reply, no handshake, connection unchanged).
   * The old token stays valid until the provider presents the new one.
   */
  async rotateToken(partnerId: string): Promise<{ requestId: string }> {
    const queued = await this.dataSource.transaction(async (tx) => {
      const partner = await this.partners.get(partnerId, tx, true);
      if (!partner) throw new NotFoundError(`partner ${partnerId} not found`);
      if (partner.state !== 'CONNECTED' || !partner.outboundToken) throw new ConflictError(`partner ${partner.name} is ${partner.state}: rotate tokens on a connected partner`);
      const ourToken = newToken();
      await this.partners.rotateInboundToken(partnerId, hashToken(ourToken), tx);
      return this.outbound.enqueue(tx, { partnerId, action: 'register', method: 'PUT', body: buildRegister(ourToken, partner.ourBaseUrl), maxAttempts: this.config.OSCP_HTTP_MAX_ATTEMPTS });
    });
    this.dispatcher.kick();
    return { requestId: queued.requestId };
  }

  /** Sets a new initial token (from the provider's admin) after T0 was burnt. */
  async setInitialToken(partnerId: string, token: string): Promise<void> {
    await this.dataSource.transaction(async (tx) => this.transition(partnerId, 'initial_token_set', tx, { initialToken: token, outboundToken: null }));
  }

  /**
   * The peer's Register (POST/PUT): store its token; its announced base URL is kept for reference
   * only. A generic partner registering first (no `X-Correlation-ID`) gets our Register in reply,
   * correlated with its request and carrying a fresh token that replaces the initial one we issued.
   */
  async peerRegistered(tx: EntityManager, partner: Partner, method: 'POST' | 'PUT', msg: RegisterMessage, request: { requestId: string; correlationId?: string }): Promise<void> {
    const announced = msg.version_url.find((v) => v.version === '2.0') ?? msg.version_url[0];
    const peerBaseUrl = new URL(announced.base_url, `${partner.baseUrl}/`).toString();
    if (method === 'PUT') {
      await this.partners.update(partner.id, { outboundToken: msg.token, peerBaseUrl }, tx);
      return;
    }
    await this.transition(partner.id, 'peer_registered', tx, { outboundToken: msg.token, peerBaseUrl, initialToken: null });
    if (partner.profile === 'generic' && !request.correlationId) {
      const ourToken = newToken();
      await this.partners.rotateInboundToken(partner.id, hashToken(ourToken), tx);
      await this.outbound.enqueue(tx, { partnerId: partner.id, action: 'register', body: buildRegister(ourToken, partner.ourBaseUrl), correlationId: request.requestId, maxAttempts: this.config.OSCP_HTTP_MAX_ATTEMPTS });
    }
  }

  /**
   * Issues the initial token a generic partner uses for its first Register with us (shown once).
   * It stays valid until the partner presents the token of our Register reply.
   */
  async issueInboundToken(partnerId: string): Promise<{ token: string }> {
    const token = newToken();
    await this.dataSource.transaction(async (tx) => {
      const partner = await this.partners.get(partnerId, tx, true);
      if (!partner) throw new NotFoundError(`partner ${partnerId} not found`);
      await this.partners.rotateInboundToken(partnerId, hashToken(token), tx);
    });
    return { token };
  }

  async peerUnregistered(tx: EntityManager, partner: Partner): Promise<void> {
    await this.transition(partner.id, 'unregistered', tx, { outboundToken: null, handshakeRequestId: null });
  }

  /** The peer's Handshake: remember what it wants and queue our acknowledge pointing at it. */
  async handshakeReceived(tx: EntityManager, partner: Partner, requestId: string, msg: HandshakeMessage): Promise<void> {
    await this.transition(partner.id, 'handshake_received', tx, { requiredBehaviour: msg.required_behaviour ?? {}, handshakeRequestId: requestId });
    await this.outbound.enqueue(tx, { partnerId: partner.id, action: 'handshake_acknowledge', body: buildHandshakeAcknowledge(), correlationId: requestId, maxAttempts: ACK_ATTEMPTS });
  }

  async heartbeatReceived(tx: EntityManager, partner: Partner, offlineModeAt: string): Promise<void> {
    await this.partners.update(partner.id, { offlineModeAt: new Date(offlineModeAt) }, tx);
  }

  /**
   * Our Register was accepted but the peer's Register never came (our endpoint was down, or slow):
   * ELMO has already replaced the token we used and will not retry, so an operator must act.
   */
  async expireRegistrations(): Promise<void> {
    for (const id of await this.partners.stuckIn('REGISTER_SENT', this.config.OSCP_REGISTER_REPLY_TIMEOUT_MS)) {
      await this.dataSource.transaction((tx) => this.transition(id, 'register_timeout', tx));
      this.logger.error({ partnerId: id }, 'no Register reply from the provider: a new initial token is needed');
    }
  }

  /**
   * Generic OSCP heartbeats (ELMO has none): the peer's lapsed `offline_mode_at` makes it OFFLINE;
   * where the peer asked for heartbeats, one is queued every `heartbeat_interval` seconds
   * announcing `offline_mode_at` = now + 2 intervals. `now` comes from the service clock.
   */
  async heartbeats(now: Date): Promise<void> {
    for (const id of await this.partners.heartbeatLapsed(now)) {
      await this.dataSource.transaction((tx) => this.transition(id, 'heartbeat_expired', tx));
      this.logger.warn({ partnerId: id }, 'provider heartbeat lapsed: offline, fallback capacity applies');
    }
    let queued = false;
    for (const p of await this.partners.wantingHeartbeats()) {
      if (p.lastSentAt && Date.now() - p.lastSentAt.getTime() < p.intervalS * 1000) continue;
      await this.dataSource.transaction((tx) =>
        this.outbound.enqueue(tx, { partnerId: p.id, action: 'heartbeat', body: { offline_mode_at: new Date(now.getTime() + 2 * p.intervalS * 1000).toISOString() }, maxAttempts: 1 }),
      );
      queued = true;
    }
    if (queued) this.dispatcher.kick();
  }

  /** The peer refused an operational message as "not connected". */
  async rejected(tx: EntityManager, partnerId: string): Promise<void> {
    await this.transition(partnerId, 'rejected', tx);
  }

  private async transition(partnerId: string, event: ConnectionEvent, tx: EntityManager, patch: Parameters<PartnerRepository['update']>[1] = {}): Promise<void> {
    const partner = await this.partners.get(partnerId, tx, true);
    if (!partner) return;
    const state = nextState(partner.state, event);
    await this.partners.update(partnerId, { ...patch, state }, tx);
    if (state !== partner.state) this.logger.info({ partnerId, event, from: partner.state, to: state }, 'connection state changed');
  }
}
