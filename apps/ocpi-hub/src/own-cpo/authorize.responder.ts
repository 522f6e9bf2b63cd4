import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { OCPI_TOKEN_AUTHORIZE_SUBJECT, OcpiDisplayText, OcpiTokenAuthorizeRequestV1, parseRequestPayload, type OcpiTokenAuthorizeReply, type OcpiTokenAuthorizeRequest } from '@cpo/contracts';
import { BusResponder } from '@cpo/messaging';
import { currentCorrelationId, personalDataRef, ROOT_LOGGER } from '@cpo/platform';
import { authorizationReference } from '@cpo/ocpi-protocol';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { HUB_CONFIG, type OcpiHubConfig } from '../config.js';
import { RtaService } from '../tokens/rta.service.js';
import { OwnPartyService } from './own-party.service.js';

/**
 * Answers `OCPI_TOKEN_AUTHORIZE_SUBJECT` for the ocpp service: an OCPP Authorize of a roaming token
 * at one of our stations becomes a real-time authorisation by the eMSPs our own CPO party has
 * agreements with. Any replica may answer (queue group).
 */
@Injectable()
export class AuthorizeResponder implements OnApplicationBootstrap {
  constructor(
    private readonly responder: BusResponder,
    private readonly rta: RtaService,
    private readonly own: OwnPartyService,
    @Inject(HUB_CONFIG) private readonly config: OcpiHubConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.own.ensure();
    this.responder.serve<OcpiTokenAuthorizeRequest, OcpiTokenAuthorizeReply>({
      subject: OCPI_TOKEN_AUTHORIZE_SUBJECT,
      queue: 'ocpi-hub',
      parseRequest: (payload) => parseRequestPayload(OcpiTokenAuthorizeRequestV1, payload),
      handle: (request) => this.handle(request),
      // Never allow on a failure: the charger falls back to its own rules.
      toErrorReply: () => ({ allowed: 'UNKNOWN' }),
    });
  }

  async handle(request: OcpiTokenAuthorizeRequest): Promise<OcpiTokenAuthorizeReply> {
    // The ocpp service waits OCPP_REMOTE_AUTHORIZE_TIMEOUT_MS (4 s, kept above this deadline) for the
    // answer: every eMSP is asked within OCPI_AUTH_TIMEOUT_MS of receipt (our own lookups included),
    // an agreement's longer rtaTimeoutMs too, so that a known token's on-timeout policy (ALLOW/DENY)
    // is answered before ocpp gives up, not after it has answered the charger its default.
    const answerBy = Date.now() + this.config.OCPI_AUTH_TIMEOUT_MS;
    const locationReferences = request.locationId ? { location_id: request.locationId, ...(request.evseUids ? { evse_uids: request.evseUids } : {}) } : undefined;
    const result = await this.rta.authorize({
      cpo: this.own.get(),
      uid: request.uid,
      type: request.tokenType,
      locationReferences,
      correlationId: currentCorrelationId() ?? randomUUID(),
      answerBy,
    });
    if (result.kind === 'unknown') return { allowed: 'UNKNOWN' };
    const info = OcpiDisplayText.safeParse(result.info.info);
    const reference = authorizationReference(result.info);
    this.logger.info({ uidRef: personalDataRef(request.uid), stationId: request.stationId, allowed: result.info.allowed }, 'roaming token authorised for own station');
    return {
      allowed: result.info.allowed,
      ...(reference ? { authorizationReference: reference } : {}),
      ...(info.success ? { info: info.data } : {}),
      // Only on an allow, the one answer ocpp reuses for it: an ocpp replica of the previous release
      // (a rolling update) refuses the whole reply for the field (strict schema) and applies its
      // default, so a refusal so marked could let the tag in there (default Accepted, or an allow of
      // the tag at the station in the last minutes).
      ...(result.onTimeout && result.info.allowed === 'ALLOWED' ? { decidedOnTimeout: true as const } : {}),
    };
  }
}
