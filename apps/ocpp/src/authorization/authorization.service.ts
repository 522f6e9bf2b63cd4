import { Inject, Injectable } from '@nestjs/common';
import { OCPI_TOKEN_AUTHORIZE_SUBJECT, OcpiTokenAuthorizeReplyV1, parseRequestPayload, type OcpiAllowedType, type OcpiTokenAuthorizeRequest } from '@cpo/contracts';
import { BusRequester } from '@cpo/messaging';
import { APP_CONFIG, REDIS, ROOT_LOGGER, TimeoutError, UnavailableError } from '@cpo/platform';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import { RedisKeys } from '../redis-keys.js';
import { IdTagRepository, type IdTagRecord } from './id-tag.repository.js';

export type IdTagInfo = Ocpp16.AuthorizeResponse['idTagInfo'];

/** How long a roaming partner's authorisation reference is kept for the StartTransaction that follows. */
const AUTH_REFERENCE_TTL_S = 15 * 60;

const OCPI_TO_OCPP: Record<OcpiAllowedType, IdTagInfo['status']> = {
  ALLOWED: 'Accepted',
  BLOCKED: 'Blocked',
  EXPIRED: 'Expired',
  NO_CREDIT: 'Invalid',
  NOT_ALLOWED: 'Invalid',
  UNKNOWN: 'Invalid',
};

/**
 * Decides `idTagInfo`: local tokens first (status, expiry, parent, ConcurrentTx), then roaming
 * partners through ocpi-hub under a short timeout, then the configured default.
 */
@Injectable()
export class AuthorizationService {
  constructor(
    private readonly tags: IdTagRepository,
    private readonly requester: BusRequester,
    private readonly keys: RedisKeys,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async authorize(stationId: string, idTag: string, options: { exceptTransactionId?: number; now?: Date } = {}): Promise<IdTagInfo> {
    const now = options.now ?? new Date();
    const local = await this.tags.find(idTag);
    const info = local ? this.fromLocal(local, now) : await this.askRoaming(stationId, idTag);
    if (info.status === 'Accepted' && (await this.tags.inActiveTransaction(idTag, options.exceptTransactionId))) {
      return { ...info, status: 'ConcurrentTx' };
    }
    return info;
  }

  /** The roaming authorisation reference remembered for a tag at a station, if any. */
  async authorizationReference(stationId: string, idTag: string): Promise<string | undefined> {
    return (await this.redis.get(this.referenceKey(stationId, idTag))) ?? undefined;
  }

  fromLocal(tag: IdTagRecord, now: Date): IdTagInfo {
    const expired = tag.expiryDate !== null && tag.expiryDate <= now;
    return {
      status: tag.status === 'Accepted' && expired ? 'Expired' : tag.status,
      expiryDate: tag.expiryDate?.toISOString(),
      parentIdTag: tag.parentIdTag ?? undefined,
    };
  }

  private async askRoaming(stationId: string, idTag: string): Promise<IdTagInfo> {
    const request: OcpiTokenAuthorizeRequest = { uid: idTag, tokenType: 'RFID', stationId };
    try {
      const reply = await this.requester.request(OCPI_TOKEN_AUTHORIZE_SUBJECT, request, {
        timeoutMs: this.config.OCPP_REMOTE_AUTHORIZE_TIMEOUT_MS,
        parseReply: (p) => parseRequestPayload(OcpiTokenAuthorizeReplyV1, p),
      });
      if (reply.allowed === 'ALLOWED' && reply.authorizationReference) {
        await this.redis.set(this.referenceKey(stationId, idTag), reply.authorizationReference, 'EX', AUTH_REFERENCE_TTL_S);
      }
      return { status: OCPI_TO_OCPP[reply.allowed] };
    } catch (err) {
      if (!(err instanceof TimeoutError || err instanceof UnavailableError)) throw err;
      this.logger.warn({ stationId, idTag, reason: err.message, answer: this.config.OCPP_UNKNOWN_TOKEN_DEFAULT }, 'no roaming decision for an unknown token; using the default');
      return { status: this.config.OCPP_UNKNOWN_TOKEN_DEFAULT };
    }
  }

  private referenceKey(stationId: string, idTag: string): string {
    return this.keys.authorizationReference(stationId, idTag);
  }
}
