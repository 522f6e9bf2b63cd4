import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { BusNames, NATS_CONNECTION } from '@cpo/messaging';
import { APP_CONFIG, ROOT_LOGGER, ValidationError } from '@cpo/platform';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import { isLegacyIdentity } from '../connection/identity.js';
import { aliasProblem } from '../connection/subprotocol-quirks.js';
import { SessionRegistry } from '../connection/session-registry.js';
import type { ValidationPolicy } from '../connection/station-context.js';
import { hashPassword } from '../stations/password.js';
import { StationRepository } from '../stations/station.repository.js';
import type { UpsertStationDto } from './dto.js';

/**
 * Core NATS subject (ocpp replicas only): an operator changed or deleted a station, and the
 * replica holding its socket (wherever the API call landed) applies that to the live session.
 * At most once, like every core NATS message: a lost one takes effect at the next connection.
 */
export const OCPP_STATION_CHANGED_SUBJECT = 'ocpp.station.changed';

/** What a live session must learn of an operator change. */
interface StationChange {
  stationId: string;
  /** The replica that made the change (it applied it to its own sockets already). */
  replicaId: string;
  deleted?: boolean;
  validationPolicy?: ValidationPolicy;
  registrationStatus?: 'Accepted' | 'Pending' | 'Rejected';
}

/** Operator changes to a station's registration and security settings. */
@Injectable()
export class StationAdminService implements OnModuleInit, OnModuleDestroy {
  private changes?: Subscription;

  constructor(
    private readonly stations: StationRepository,
    private readonly registry: SessionRegistry,
    private readonly names: BusNames,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.changes = this.nc.subscribe(this.names.subject(OCPP_STATION_CHANGED_SUBJECT), {
      callback: (err, msg) => {
        if (err) return this.logger.error({ err }, 'station change subscription failed');
        try {
          const change = JSON.parse(new TextDecoder().decode(msg.data)) as StationChange;
          if (change.replicaId !== this.config.OCPP_REPLICA_ID) this.apply(change);
        } catch (e) {
          this.logger.warn({ err: e }, 'unreadable station change ignored');
        }
      },
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.changes?.drain().catch((err: unknown) => this.logger.warn({ err }, 'station change subscription did not drain'));
  }

  async upsert(stationId: string, dto: UpsertStationDto): Promise<void> {
    if (!isLegacyIdentity(stationId)) throw new ValidationError('invalid station id', { stationId: '1–48 printable characters, no : or /' });
    if (dto.securityProfile !== undefined && dto.securityProfile > 0 && dto.password === undefined) {
      if (!(await this.stations.admission(stationId))?.passwordHash) throw new ValidationError('security profile 1 and 2 need a password', { password: 'required for security profile 1 or 2' });
    }
    const problem = dto.subprotocolAliases && aliasProblem(dto.subprotocolAliases);
    if (problem) throw new ValidationError('invalid subprotocol aliases', { subprotocolAliases: problem });
    const hash = dto.password === undefined ? null : await hashPassword(dto.password);
    await this.stations.upsertSettings(stationId, { ...dto, passwordHash: hash });
    if (dto.validationPolicy !== undefined || dto.registrationStatus !== undefined) {
      this.announce({ stationId, replicaId: this.config.OCPP_REPLICA_ID, validationPolicy: dto.validationPolicy, registrationStatus: dto.registrationStatus });
    }
  }

  async remove(stationId: string): Promise<boolean> {
    const removed = await this.stations.remove(stationId);
    this.announce({ stationId, replicaId: this.config.OCPP_REPLICA_ID, deleted: true });
    return removed;
  }

  /** Applies the change here at once (no bus round trip for a socket on this replica), and tells the others. */
  private announce(change: StationChange): void {
    this.apply(change);
    try {
      this.nc.publish(this.names.subject(OCPP_STATION_CHANGED_SUBJECT), JSON.stringify(change));
    } catch (err) {
      this.logger.error({ err, stationId: change.stationId }, 'could not announce a station change to the other replicas; it applies at the next connection');
    }
  }

  /**
   * A deleted station's socket is closed. A session accepted at boot whose operator status is no
   * longer `Accepted` becomes `Unknown`, as it would on a new connection: it must boot again and
   * gets the new status. A session that is Pending or Rejected keeps that until its next boot.
   */
  private apply(change: StationChange): void {
    const session = this.registry.get(change.stationId);
    if (!session) return;
    if (change.deleted) {
      session.close('station deleted', 4001);
      return;
    }
    if (change.validationPolicy !== undefined) session.validationPolicy = change.validationPolicy;
    if (change.registrationStatus !== undefined && change.registrationStatus !== 'Accepted' && session.registration === 'Accepted') {
      this.logger.info({ stationId: change.stationId, registrationStatus: change.registrationStatus }, 'operator withdrew the acceptance of a connected station; it must boot again');
      session.registration = 'Unknown';
    }
  }
}
