import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { BusNames, NATS_CONNECTION } from '@cpo/messaging';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import { SessionRegistry } from './session-registry.js';
import type { ValidationPolicy } from './station-context.js';

/**
 * Core NATS subject (ocpp replicas only): an operator changed or deleted a station, and the
 * replica holding its socket (wherever the API call landed) applies that to the live session.
 * The notice is the fast path only: a core NATS message lost to a reconnect is found by
 * SessionRecheck, which compares the sessions with the database after each reconnect and every minute.
 * Under `ocpp.session.`, which no stream captures: as `ocpp.station.changed` the OCPP stream stored
 * every notice and the planner's `ocpp.>` consumer dead-lettered each one (not an event subject).
 * During a rolling upgrade a notice between an older and a newer replica is not heard; SessionRecheck
 * applies it within a minute.
 */
export const OCPP_STATION_CHANGED_SUBJECT = 'ocpp.session.station-changed';

/** What a live session must learn of an operator change. */
export interface StationChange {
  stationId: string;
  deleted?: boolean;
  validationPolicy?: ValidationPolicy;
  registrationStatus?: 'Accepted' | 'Pending' | 'Rejected';
  /** Its password or security profile changed: the live session was authenticated under the old ones. */
  credentialsChanged?: boolean;
}

/**
 * Close code for a session whose credentials the operator changed (4000: replaced socket, 4001:
 * station deleted): the charger reconnects and is admitted, or refused, under the new ones.
 */
export const CREDENTIALS_CHANGED_CLOSE_CODE = 4002;

/** On the wire: the change and the replica that made it (which applied it to its own sockets already). */
type StationChangeMessage = StationChange & { replicaId: string };

const POLICIES: readonly unknown[] = ['strict', 'lenient', 'off'] satisfies ValidationPolicy[];
const STATUSES: readonly unknown[] = ['Accepted', 'Pending', 'Rejected'];

/** The message if it is one (another version of this service, or anyone on the subject, may send anything). */
export function stationChangeOf(value: unknown): StationChangeMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown>;
  if (typeof m['stationId'] !== 'string' || typeof m['replicaId'] !== 'string') return undefined;
  if (m['deleted'] !== undefined && typeof m['deleted'] !== 'boolean') return undefined;
  if (m['credentialsChanged'] !== undefined && typeof m['credentialsChanged'] !== 'boolean') return undefined;
  if (m['validationPolicy'] !== undefined && !POLICIES.includes(m['validationPolicy'])) return undefined;
  if (m['registrationStatus'] !== undefined && !STATUSES.includes(m['registrationStatus'])) return undefined;
  return m as unknown as StationChangeMessage;
}

/**
 * Operator changes reach the live session of a station on whichever replica holds its socket:
 * applied here at once, and announced to the other replicas.
 */
@Injectable()
export class StationChanges implements OnModuleInit, OnModuleDestroy {
  private subscription?: Subscription;

  constructor(
    private readonly registry: SessionRegistry,
    private readonly names: BusNames,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.subscription = this.nc.subscribe(this.names.subject(OCPP_STATION_CHANGED_SUBJECT), {
      callback: (err, msg) => {
        if (err) return this.logger.error({ err }, 'station change subscription failed');
        let change: StationChangeMessage | undefined;
        try {
          change = stationChangeOf(JSON.parse(new TextDecoder().decode(msg.data)));
        } catch {
          change = undefined;
        }
        if (!change) return this.logger.warn({ subject: msg.subject }, 'unreadable station change ignored');
        if (change.replicaId !== this.config.OCPP_REPLICA_ID) this.applyHere(change);
      },
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.drain().catch((err: unknown) => this.logger.warn({ err }, 'station change subscription did not drain'));
  }

  /** Applies the change here at once (no bus round trip for a socket on this replica), and tells the others. */
  announce(change: StationChange): void {
    this.applyHere(change);
    try {
      this.nc.publish(this.names.subject(OCPP_STATION_CHANGED_SUBJECT), JSON.stringify({ ...change, replicaId: this.config.OCPP_REPLICA_ID } satisfies StationChangeMessage));
    } catch (err) {
      this.logger.error({ err, stationId: change.stationId }, 'could not announce a station change to the other replicas; their session re-check applies it');
    }
  }

  /**
   * A deleted station's socket is closed, and so is one whose credentials changed: it was admitted
   * with the old password or under the old profile, and must not keep that session until it
   * happens to disconnect. Any other change makes the station known. A session accepted at boot whose operator status is no
   * longer `Accepted` becomes `Unknown`, as it would on a new connection: it must boot again and
   * gets the new status. A session that is Pending or Rejected keeps that until its next boot.
   */
  applyHere(change: StationChange): void {
    const session = this.registry.holding(change.stationId);
    if (!session) return;
    if (change.deleted) {
      session.close('station deleted', 4001);
      return;
    }
    if (change.credentialsChanged) {
      this.logger.info({ stationId: change.stationId, code: CREDENTIALS_CHANGED_CLOSE_CODE }, 'station password or security profile changed; closing its session so it authenticates again');
      session.close('credentials changed; reconnect with the new ones', CREDENTIALS_CHANGED_CLOSE_CODE);
      return;
    }
    // Any change is an operator setting the station (see knownStation): its messages count from now
    // on, without waiting for a reconnect (a quarantined charger may stay connected for days).
    session.known = true;
    if (change.validationPolicy !== undefined) session.validationPolicy = change.validationPolicy;
    if (change.registrationStatus !== undefined && change.registrationStatus !== 'Accepted' && session.registration === 'Accepted') {
      this.logger.info({ stationId: change.stationId, registrationStatus: change.registrationStatus }, 'operator withdrew the acceptance of a connected station; it must boot again');
      session.registration = 'Unknown';
    }
  }
}
