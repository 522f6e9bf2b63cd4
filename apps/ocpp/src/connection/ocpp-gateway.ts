import { STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { BlockList } from 'node:net';
import type { Duplex } from 'node:stream';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { APP_CONFIG, ROOT_LOGGER, UnavailableError } from '@cpo/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { WebSocketServer, type WebSocket } from 'ws';
import type { OcppConfig } from '../config.js';
import { OcppMetrics } from '../metrics/ocpp-metrics.js';
import { CommitBatcher } from '../persistence/commit-batcher.js';
import { StationKeysRepository } from '../stations/station-keys.repository.js';
import { StationRepository, type RejectedFrame, type StationAdmission } from '../stations/station.repository.js';
import { PasswordVerifier } from '../stations/password.js';
import { VERIFIED_KEY_MEMORY, type VerifiedKeyMemory } from '../stations/shared-password-memory.js';
import { clientAddress, trustedProxies } from './client-address.js';
import { withoutNul } from './core-fields.js';
import { credentialsFingerprint, identityFromPath } from './identity.js';
import { Ocpp16Dispatcher } from './ocpp16-dispatcher.js';
import type { ProtocolBundle } from './protocol-bundle.js';
import { SessionRegistry } from './session-registry.js';
import { StationLifecycle } from './station-lifecycle.js';
import { StationAdmitter, type Admission } from './station-admission.js';
import { initialRegistration, knownStation } from './station-registration.js';
import { StationSession, type SessionHooks, type SessionSettings } from './station-session.js';
import { negotiate, spokenVersion } from './subprotocol-quirks.js';

/** Largest frame accepted; an OCPP message is a few kB, a full local list a few hundred. */
const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

/**
 * The charger endpoint on the service's own HTTP port: `{OCPP_PATH_PREFIX}/{chargePointId}`.
 * Identity, security profile and Basic auth are checked before the upgrade; the subprotocol is
 * chosen from the server's list in its preference order, so OCPP 2.0.1 can join the same endpoint
 * later by adding a bundle. Other upgrade paths are left to other listeners.
 */
@Injectable()
export class OcppGateway implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly wss: WebSocketServer;
  private readonly bundles: Map<string, ProtocolBundle>;
  private readonly admitter: StationAdmitter;
  /** Also says how long a refused charger should wait (Retry-After). */
  private readonly passwords: PasswordVerifier;
  /** The identity of an upgrade in progress, read from its path before ws sees it. */
  private readonly identities = new WeakMap<IncomingMessage, string>();
  /** The admitted station of an upgrade in progress, for the subprotocol choice (ws passes only the request). */
  private readonly admitted = new WeakMap<IncomingMessage, StationAdmission>();
  /** Rejected frames are written in groups: a noisy charger must not take a pool connection per frame. */
  private readonly rejectedFrames: CommitBatcher<RejectedFrame, void>;
  private readonly sessionSettings: SessionSettings;
  private readonly sessionHooks: SessionHooks;
  private readonly trustedProxies: BlockList;
  private server?: Server;
  /** Set when shutdown starts: upgrades are refused from then on (see onModuleDestroy). */
  private draining = false;
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head);
  /**
   * The upgrade's callbacks are fields, not closures made in `upgrade`: the socket keeps its error
   * listener for the connection's life, and closures made in one call share that call's scope, so
   * either one written there kept the upgrade request (headers, raw headers, its admission in
   * `admitted`) alive as long as the charger stayed connected (≈ 0.5 kB per connection, heap
   * snapshot). ws hands the request back to the connection callback, which thus captures nothing.
   */
  private readonly onUpgradeSocketError = (err: Error) => this.logger.debug({ err }, 'upgrade socket error');
  private readonly onUpgraded = (ws: WebSocket, req: IncomingMessage) => void this.connected(ws, req, this.admitted.get(req)!);

  constructor(
    private readonly httpAdapterHost: HttpAdapterHost,
    db: DataSource,
    stations: StationRepository,
    private readonly registry: SessionRegistry,
    dispatcher16: Ocpp16Dispatcher,
    private readonly lifecycle: StationLifecycle,
    private readonly metrics: OcppMetrics,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(VERIFIED_KEY_MEMORY) sharedKeys: VerifiedKeyMemory,
    keys: StationKeysRepository,
  ) {
    this.passwords = new PasswordVerifier(undefined, sharedKeys);
    this.trustedProxies = trustedProxies(config.OCPP_TRUSTED_PROXIES);
    this.admitter = new StationAdmitter(stations, keys, this.passwords, config, logger);
    // One settings and one hooks object for every session, not a copy (and two closures) each.
    this.sessionSettings = {
      callTimeoutMs: config.OCPP_CALL_TIMEOUT_MS,
      queueLimit: config.OCPP_CALL_QUEUE_LIMIT,
      pingIntervalMs: config.OCPP_PING_INTERVAL_MS,
      maxBadFramesPerMinute: config.OCPP_MAX_BAD_FRAMES_PER_MINUTE,
    };
    this.sessionHooks = {
      rejectedFrame: (stationId, raw, reason) =>
        void this.rejectedFrames
          .submit({ stationId, raw: withoutNul(raw), reason: withoutNul(reason), at: new Date() })
          .catch((err: unknown) => this.logger.error({ err, stationId }, 'could not store a rejected frame')),
      activity: (s) => this.registry.activity(s),
    };
    this.rejectedFrames = new CommitBatcher<RejectedFrame, void>(
      db,
      async (rows, tx) => {
        await stations.storeRejectedFrames(rows, tx);
        return rows.map(() => undefined);
      },
      { maxBatch: 500, concurrency: 1 },
    );
    // One bundle per version; OCPP 2.0.1 joins this list (and OCPP_SUBPROTOCOLS) when it exists.
    this.bundles = new Map<string, ProtocolBundle>([[dispatcher16.subprotocol, dispatcher16]]);
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_PAYLOAD_BYTES,
      perMessageDeflate: false,
      // The server's preference order, not the charger's. Returning false completes the handshake
      // without the header; the socket is then closed at once (OCPP-J §3.1.2).
      // A station's own aliases (a quirk an operator set) count after the standard names.
      handleProtocols: (offered, req) => negotiate(offered, config.OCPP_SUBPROTOCOLS, this.admitted.get(req)),
      // Admission runs here, after ws has checked that the request is a WebSocket upgrade it accepts
      // (method, Upgrade, Sec-WebSocket-Key/Version/Protocol): admitting may register an unknown
      // station, and a request ws refuses anyway must leave no station behind. Checking those headers
      // ourselves first would have to follow ws's rules in every version.
      verifyClient: (info, done) => void this.verify(info.req, done).catch((err: unknown) => this.logger.error({ err }, 'upgrade could not be completed')),
    });
  }

  onApplicationBootstrap(): void {
    this.server = this.httpAdapterHost.httpAdapter.getHttpServer() as Server;
    this.server.on('upgrade', this.onUpgrade);
  }

  /**
   * The first shutdown step (before the registry closes the sockets it holds): from here on an
   * upgrade is refused with 503 + Retry-After. One accepted later would be in no snapshot of the
   * registry: nobody would close it, the HTTP server's close would wait for it until the forced exit,
   * and the charger would lose its socket without a close frame. The listener stays, so such an
   * upgrade (routed here before the endpoint update reached the ingress) gets an answer.
   */
  onModuleDestroy(): void {
    this.draining = true;
  }

  onApplicationShutdown(): void {
    this.server?.off('upgrade', this.onUpgrade);
    this.wss.close();
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', this.onUpgradeSocketError);
    const identity = identityFromPath(req.url, this.config.OCPP_PATH_PREFIX, this.config.OCPP_LEGACY_IDENTITIES);
    if (!identity.ok) return this.refuse(socket, identity.status, identity.reason, 'bad_identity');
    if (this.draining) return this.refuseDraining(socket);
    this.identities.set(req, identity.stationId);
    // ws answers a malformed upgrade itself (400/405) without calling verify.
    this.wss.handleUpgrade(req, socket, head, this.onUpgraded);
  }

  /** ws's verifyClient: `done(true)` completes the upgrade, `done(false, …)` answers the refusal. */
  private async verify(req: IncomingMessage, done: (ok: boolean, status?: number, reason?: string, headers?: OutgoingHttpHeaders) => void): Promise<void> {
    const stationId = this.identities.get(req)!;
    const refuse = (status: number, reason: string, event: string) => {
      this.metrics.connectionEvents.inc({ event });
      done(false, status, reason, { 'Content-Type': 'text/plain', ...refusalHeaders(status, this.passwords.retryAfterSeconds()) });
    };
    let admission: Admission;
    try {
      admission = await this.admitter.admit(stationId, req, this.clientAddress(req) ?? '');
    } catch (err) {
      // Too many password checks waiting (someone guessing keys): the charger retries later.
      if (err instanceof UnavailableError) return refuse(503, err.message, 'busy');
      // Admission only reads (or registers) the station: what fails there is the database being
      // unreachable or overloaded, which passes. 503 + Retry-After tells the charger to come back;
      // a 500 reads as a permanent fault, and some chargers then back off for much longer.
      this.logger.error({ err, stationId }, 'could not admit a charger');
      return refuse(503, ADMISSION_UNAVAILABLE, 'error');
    }
    if (!admission.ok) {
      if (!admission.reported) this.logger.info({ stationId, reason: admission.reason }, 'charger refused at upgrade');
      return refuse(admission.status, admission.reason, admission.event ?? (admission.status === 404 ? 'unknown_station' : 'unauthorized'));
    }
    // Admission takes a database round trip and a password check: shutdown may have begun meanwhile.
    if (this.draining) return refuse(503, DRAINING, 'draining');
    this.admitted.set(req, admission.station);
    done(true);
  }

  private async connected(ws: WebSocket, req: IncomingMessage, station: StationAdmission): Promise<void> {
    const offeredAny = String(req.headers['sec-websocket-protocol'] ?? '').trim() !== '';
    const version = spokenVersion(ws.protocol, offeredAny, station, this.config.OCPP_SUBPROTOCOLS);
    const bundle = version === undefined ? undefined : this.bundles.get(version);
    if (bundle && ws.protocol !== version) this.logger.info({ stationId: station.id, offered: ws.protocol || null, version }, 'charger speaks a non-standard subprotocol name (station quirk)');
    if (!bundle) {
      this.metrics.connectionEvents.inc({ event: 'no_subprotocol' });
      this.logger.info({ stationId: station.id, offered: req.headers['sec-websocket-protocol'] ?? null }, 'no supported subprotocol offered; closing');
      ws.close(1002, 'no supported subprotocol');
      return;
    }
    const registration = initialRegistration(station);
    const session = new StationSession(
      ws,
      station.id,
      knownStation(station),
      registration,
      station.validationPolicy,
      this.registry.idsFor(station.id),
      this.sessionSettings,
      bundle,
      this.metrics,
      this.sessionHooks,
      this.logger,
    );
    session.credentials = credentialsFingerprint(station);
    this.metrics.connectionEvents.inc({ event: 'accepted' });
    const remote = this.clientAddress(req);
    try {
      await this.registry.attach(session, remote);
    } catch (err) {
      this.logger.error({ err, stationId: station.id }, 'could not register the connection; closing it');
      session.close('internal error', 1011);
      return;
    }
    if (registration === 'Accepted') void this.lifecycle.connected(session);
  }

  /** The charger's address: `X-Forwarded-For` only from a trusted proxy (OCPP_TRUSTED_PROXIES). */
  private clientAddress(req: IncomingMessage): string | undefined {
    return clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], this.trustedProxies);
  }

  private refuseDraining(socket: Duplex): void {
    this.refuse(socket, 503, DRAINING, 'draining');
  }

  /** A refusal before ws has seen the request (its path, or a draining replica). */
  private refuse(socket: Duplex, status: number, reason: string, event: string): void {
    this.metrics.connectionEvents.inc({ event });
    const extra = Object.entries(refusalHeaders(status, this.passwords.retryAfterSeconds())).map(([name, value]) => `${name}: ${String(value)}\r\n`).join('');
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${extra}Connection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`);
  }
}

const DRAINING = 'this replica is shutting down; connect again';
const ADMISSION_UNAVAILABLE = 'the station registry is temporarily unavailable; connect again';

/**
 * What a refused charger needs to try again: the auth scheme (401), when to retry (503: the password
 * checks' backlog at their recent rate, 5–120 s, jittered, so refused chargers come back spread).
 */
function refusalHeaders(status: number, retryAfterS: number): OutgoingHttpHeaders {
  if (status === 401) return { 'WWW-Authenticate': 'Basic realm="OCPP"' };
  if (status === 503) return { 'Retry-After': String(retryAfterS) };
  return {};
}
