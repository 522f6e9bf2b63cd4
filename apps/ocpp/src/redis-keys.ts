import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@cpo/platform';
import type { OcppConfig } from './config.js';

/**
 * Redis key names of this service. They carry the deployment's bus prefix so that test runs (and
 * several platforms sharing one Redis) never see each other's presence or references.
 */
@Injectable()
export class RedisKeys {
  private readonly prefix: string;

  constructor(@Inject(APP_CONFIG) config: OcppConfig) {
    this.prefix = config.NATS_SUBJECT_PREFIX ? `${config.NATS_SUBJECT_PREFIX}:ocpp` : 'ocpp';
  }

  presence(stationId: string): string {
    return `${this.prefix}:presence:${stationId}`;
  }

  /** A SCAN pattern matching every presence record (glob characters of the prefix escaped). */
  presencePattern(): string {
    return `${this.prefix.replace(/[*?[\]\\]/g, '\\$&')}:presence:*`;
  }

  /** The station id of a presence record's key. */
  stationOfPresence(key: string): string {
    return key.slice(`${this.prefix}:presence:`.length);
  }

  /** Hash of replica id → its last beat (Redis server time, ms): see ReplicaLiveness. */
  replicaBeats(): string {
    return `${this.prefix}:replicas`;
  }

  /** Hash of a lost replica's id → when a peer claimed it, or last renewed its claim (Redis server time, ms). */
  replicaClaims(): string {
    return `${this.prefix}:replicas-claimed`;
  }

  /** Set when peers declared the replica lost and published its stations' disconnection. */
  replicaLost(replicaId: string): string {
    return `${this.prefix}:replica-lost:${replicaId}`;
  }

  /** The tag lower-cased: IdToken is a CiString, and Authorize and StartTransaction may spell it differently. */
  authorizationReference(stationId: string, idTag: string): string {
    return `${this.prefix}:authref:${stationId}:${idTag.toLowerCase()}`;
  }

  /** A roaming partner allowed the tag at the station lately (see AuthorizationService). */
  roamingAllowed(stationId: string, idTag: string): string {
    return `${this.prefix}:authok:${stationId}:${idTag.toLowerCase()}`;
  }
}
