import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { UnavailableError } from '@cpo/platform';
import type { OcppConfig } from '../config.js';
import { StationLogThrottle } from '../station-log-throttle.js';
import type { CheckAttempt, PasswordVerifier } from '../stations/password.js';
import type { StationKeysRepository } from '../stations/station-keys.repository.js';
import type { StationAdmission, StationRepository } from '../stations/station.repository.js';
import { basicCredentials } from './identity.js';
import { CapRefusals, CASE_VARIANT_LOG_INTERVAL_MS, unknownStationSpeaks, unregisteredStation } from './station-registration.js';

/** A refusal's `event` (metric label) when not the status's own; `reported` when already logged (throttled). */
export type Admission = { ok: true; station: StationAdmission } | { ok: false; status: 401 | 404 | 500; reason: string; event?: string; reported?: true };

const UNKNOWN_IDENTITY = 'unknown charge point identity';
const BUSY = 'too many password checks in progress; try again shortly';

/**
 * Whether an upgrade for an identity is admitted (the gateway's `verifyClient`): the station's row,
 * or its registration under the unknown-station policy, then the security profile's transport and
 * HTTP Basic credentials, a pending key taken into service by its first use.
 */
export class StationAdmitter {
  private readonly capRefusals = new CapRefusals();
  /** By the existing station's id: a script spelling one id in ever new cases still gets one line per interval. */
  private readonly caseVariantLog = new StationLogThrottle(CASE_VARIANT_LOG_INTERVAL_MS);

  constructor(
    private readonly stations: StationRepository,
    private readonly keys: StationKeysRepository,
    private readonly passwords: PasswordVerifier,
    private readonly config: OcppConfig,
    private readonly logger: Logger,
  ) {}

  /**
   * `source`: the client's address (client-address.ts; '' unknown). Password checks are told apart
   * by it, so a guesser's checks of this identity cannot turn away its charger's (password-sources.ts).
   */
  async admit(stationId: string, req: IncomingMessage, source = ''): Promise<Admission> {
    const offered = basicCredentials(req.headers.authorization);
    const credentials = offered?.user === stationId ? offered : undefined;
    // Under a storm, an upgrade whose check would meet a full queue is refused before it costs a
    // station read and a Redis round trip (each did, and the refusals alone starved the checks).
    // Only one that offers this identity's credentials can need a check; an unknown identity so
    // refused is answered 404 once the queue has room.
    if (credentials && !this.passwords.mayCheck(stationId, credentials.password, source)) throw new UnavailableError(BUSY);
    let station = await this.stations.admission(stationId);
    if (!station) {
      const registered = await this.registerUnknown(stationId, req);
      if (!registered.ok) return registered;
      station = registered.station;
    }
    if (station.securityProfile === 2 && !this.isTls(req)) return { ok: false, status: 401, reason: 'this station must connect over TLS (security profile 2)' };
    if (station.passwordHash === null) {
      // A first key still pending (RebootRequired, or an answer lost) is taken into service by its
      // first use, as a rotated one is below: otherwise it would never count.
      const promoted = credentials && (await this.checked(credentials.password, stationId, source, (attempt) => this.withPendingKey(station, attempt)));
      if (promoted) return { ok: true, station: promoted };
      if (station.securityProfile > 0) return { ok: false, status: 401, reason: 'no password is set for this station yet' };
      return { ok: true, station };
    }
    if (!credentials) {
      // Profile 0 authenticates nobody: a key set (AuthorizationKey) ahead of the SecurityProfile that
      // puts it to use, as the whitepaper orders the migration, must not lock out a charger that
      // sends no credentials until then.
      // Credentials it does offer must be right, the user (its identity) as much as the key.
      if (station.securityProfile === 0 && !offered) return { ok: true, station };
      return { ok: false, status: 401, reason: 'Basic credentials for this identity are required' };
    }
    const stored = station.passwordHash;
    const admitted = await this.checked(credentials.password, stationId, source, async (attempt) =>
      (await this.passwords.verify(stored, credentials.password, attempt)) ? station : this.withPendingKey(station, attempt),
    );
    if (admitted) return { ok: true, station: admitted };
    return { ok: false, status: 401, reason: 'wrong password' };
  }

  /** One attempt over the station's keys, its outcome settled once (suspect class, memory by identity). */
  private async checked(
    password: Buffer,
    stationId: string,
    source: string,
    over: (attempt: CheckAttempt) => Promise<StationAdmission | undefined>,
  ): Promise<StationAdmission | undefined> {
    const attempt = this.passwords.attempt(stationId, password, source);
    const admitted = await over(attempt);
    this.passwords.settle(attempt, admitted !== undefined);
    return admitted;
  }

  /**
   * An unknown identity under the unknown-station policy. Its row is written only for a connection
   * that will be admitted: one offering no version we speak completes the handshake on a station
   * never stored and is closed (1002) before anything is published. A new row (profile 0, no key)
   * passes the credential checks, so registering here, before them, admits exactly what it stores.
   * The count behind OCPP_PENDING_STATIONS_MAX and the look-up of a case variant run only here,
   * never for a known station.
   */
  private async registerUnknown(stationId: string, req: IncomingMessage): Promise<Admission> {
    const policy = this.config.OCPP_UNKNOWN_STATION_POLICY;
    if (policy === 'reject') return { ok: false, status: 404, reason: UNKNOWN_IDENTITY };
    if (policy === 'auto-register') {
      const existing = await this.stations.caseVariantOf(stationId);
      if (existing !== undefined) return this.caseVariantRefused(stationId, existing);
    }
    const status = policy === 'pending' ? 'Pending' : 'Accepted';
    if (!unknownStationSpeaks(req.headers['sec-websocket-protocol'], this.config.OCPP_SUBPROTOCOLS)) return { ok: true, station: unregisteredStation(stationId, status) };
    // Only quarantine is bounded: under auto-register the operator chose to run every identity that
    // connects (development), and a bound would turn away real chargers past it. 0: no bound.
    const max = policy === 'pending' ? this.config.OCPP_PENDING_STATIONS_MAX : 0;
    const created = await this.stations.registerUnknown(stationId, status, max === 0 ? undefined : max);
    // Not created: another connection or an operator wrote it meanwhile (then it is read), or the cap is reached.
    const station = await this.stations.admission(stationId);
    if (station) {
      if (created) this.logger.info({ stationId, policy }, 'unknown station registered on first connection');
      return { ok: true, station };
    }
    const refused = this.capRefusals.add(Date.now());
    if (refused !== undefined) this.logger.warn({ stationId, refused, max }, 'unknown stations refused: OCPP_PENDING_STATIONS_MAX stations registered by their own connection await an operator');
    return { ok: false, status: 404, reason: UNKNOWN_IDENTITY, event: 'registration_full', reported: true };
  }

  /**
   * An identity that is an existing station's id in another letter case: almost always that
   * station's charger configured with a mistyped identity, which auto-register would run as a second
   * station (its own history, presence and sessions, visible to roaming partners). Identities stay
   * case-sensitive (the OCPP-J URL is), so it is refused as under `reject`, with a warning naming
   * both for the operator, who fixes the charger or creates the identity as a station of its own.
   */
  private caseVariantRefused(stationId: string, existing: string): Admission {
    const unlogged = this.caseVariantLog.take(existing, new Date());
    if (unlogged !== undefined) {
      this.logger.warn({ stationId, existingStationId: existing, refusedSinceLastWarning: unlogged }, 'unknown identity refused: it differs from an existing station only in letter case (not auto-registered as another station)');
    }
    return { ok: false, status: 404, reason: UNKNOWN_IDENTITY, reported: true };
  }

  /**
   * If `password` is one of the station's pending keys (the charger takes it at its reboot, or may
   * have taken it from a change it did not answer), its first use retires the others, and the station
   * is returned as that leaves it: the session is admitted under the new key, which the session
   * re-check must not take for an operator's change.
   */
  private async withPendingKey(station: StationAdmission, attempt: CheckAttempt): Promise<StationAdmission | undefined> {
    for (const pending of [station.pendingPasswordHash, station.earlierPendingPasswordHash]) {
      if (!pending || !(await this.passwords.verify(pending, attempt.password, attempt))) continue;
      // As the promotion left the row (the rule lives in the statement only), or as a concurrent
      // upgrade promoting this same key did. Any other key stored meanwhile (an operator's password,
      // the other pending key's promotion) retired this one: admitted, the session carried the new
      // credentials' fingerprint, so no re-check would close it.
      const promoted = (await this.keys.promotePendingPassword(station.id, pending)) ?? (await this.stations.admission(station.id));
      if (promoted?.passwordHash !== pending) return undefined;
      return { ...station, passwordHash: promoted.passwordHash, securityProfile: promoted.securityProfile, pendingPasswordHash: null, earlierPendingPasswordHash: null };
    }
    return undefined;
  }

  private isTls(req: IncomingMessage): boolean {
    if ((req.socket as TLSSocket).encrypted) return true;
    return this.config.OCPP_TRUST_PROXY_TLS && String(req.headers['x-forwarded-proto'] ?? '').toLowerCase() === 'https';
  }
}
