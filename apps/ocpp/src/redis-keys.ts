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

  /*
   * The replica liveness keys share the hash tag `{replicas}`: the scripts on them (BEAT,
   * CLAIM_LOST_REPLICAS) touch all three at once, which a Redis Cluster runs only on keys of one
   * slot. So whatever the prefix: what Redis hashes ends at this tag's `}` at the latest, and up to
   * there the three keys are alike. One slot is plenty: an entry per replica. Presence records are
   * not tagged: a script touches one station's record alone, and untagged they spread by station.
   */

  /** Hash of replica id → its last beat (Redis server time, ms): see ReplicaLiveness. */
  replicaBeats(): string {
    return `${this.prefix}:{replicas}`;
  }

  /** Hash of a lost replica's id → when a peer claimed it, or last renewed its claim (Redis server time, ms). */
  replicaClaims(): string {
    return `${this.prefix}:{replicas}-claimed`;
  }

  /**
   * Hash of replica id → until when (Redis server time, ms) peers remember that they declared it
   * lost and published its stations' disconnection. A field, not a key per replica: the claim
   * script finds the ids in the beats, and a cluster cannot route keys a script builds itself.
   */
  replicaLostMarks(): string {
    return `${this.prefix}:{replicas}-lost`;
  }

  /** The tag lower-cased: IdToken is a CiString, and Authorize and StartTransaction may spell it differently. */
  authorizationReference(stationId: string, idTag: string): string {
    return `${this.prefix}:authref:${stationId}:${idTag.toLowerCase()}`;
  }

  /** A station key some replica verified: `mac` is an HMAC of stored hash and password (see SharedPasswordMemory). */
  verifiedStationKey(mac: string): string {
    return `${this.prefix}:keyok:${mac}`;
  }

  /** A roaming partner allowed the tag at the station lately (see AuthorizationService). */
  roamingAllowed(stationId: string, idTag: string): string {
    return `${this.prefix}:authok:${stationId}:${idTag.toLowerCase()}`;
  }
}
