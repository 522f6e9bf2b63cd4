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

  /** The tag lower-cased: IdToken is a CiString, and Authorize and StartTransaction may spell it differently. */
  authorizationReference(stationId: string, idTag: string): string {
    return `${this.prefix}:authref:${stationId}:${idTag.toLowerCase()}`;
  }

  /** A roaming partner allowed the tag at the station lately (see AuthorizationService). */
  roamingAllowed(stationId: string, idTag: string): string {
    return `${this.prefix}:authok:${stationId}:${idTag.toLowerCase()}`;
  }
}
