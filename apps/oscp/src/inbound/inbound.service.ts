import {
  FP_INBOUND,
  fpInboundAction,
  type GroupCapacityForecastMessage,
  type HandshakeMessage,
  type HeartbeatMessage,
  type RegisterMessage,
  parseMessage,
  readRequestId,
  readTokenAuthorization,
  type FpInboundAction,
} from '@cpo/oscp-protocol';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '@cpo/platform';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ForecastsService } from '../forecasts/forecasts.service.js';
import { OutboundDispatcher } from '../outbound/outbound.dispatcher.js';
import { PartnerRepository } from '../partners/partner.repository.js';
import { PartnersService } from '../partners/partners.service.js';
import { hashToken } from '../partners/token-hash.js';
import { InboundRepository } from './inbound.repository.js';

export interface InboundRequest {
  method: 'POST' | 'PUT' | 'DELETE';
  segment: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/**
 * One inbound OSCP message: authenticate, validate, then persist it together with its effect and
 * any follow-up in one transaction. Follow-ups leave only through the outbound queue, which the
 * controller wakes once the 204 is on the wire.
 */
@Injectable()
export class InboundService {
  constructor(
    private readonly partnerRepo: PartnerRepository,
    private readonly partners: PartnersService,
    private readonly forecasts: ForecastsService,
    private readonly inbound: InboundRepository,
    private readonly dispatcher: OutboundDispatcher,
    private readonly dataSource: DataSource,
  ) {}

  async receive(req: InboundRequest): Promise<{ action: FpInboundAction; requestId: string }> {
    const auth = readTokenAuthorization(req.headers.authorization);
    if (!auth.ok) throw auth.status === 401 ? new UnauthorizedError(auth.message) : new ForbiddenError(auth.message);
    const presented = hashToken(auth.token);
    const partner = await this.partnerRepo.byInboundTokenHash(presented);
    if (!partner) throw new ForbiddenError('unknown token');
    const requestId = readRequestId(req.headers['x-request-id']);
    if (!requestId) throw new ForbiddenError('missing X-Request-ID header');
    const action = fpInboundAction(req.segment);
    if (!action || (req.method !== 'POST' && action !== 'register')) throw new NotFoundError(`no OSCP endpoint ${req.method} ${req.segment}`);
    const parsed = parseMessage(FP_INBOUND[action], req.body);
    if (!parsed.ok) throw new ValidationError(parsed.message);
    // The schema was chosen by `action`, so the value has that action's message type.
    const msg: unknown = parsed.value;
    const correlationId = readRequestId(req.headers['x-correlation-id']);

    await this.dataSource.transaction(async (tx) => {
      await this.inbound.insert(tx, { partnerId: partner.id, action, method: req.method, requestId, correlationId, body: req.body });
      if (presented === partner.inboundTokenHash && partner.previousTokenHash) await this.partnerRepo.retirePreviousToken(partner.id, tx);
      switch (action) {
        case 'register':
          if (req.method === 'DELETE') await this.partners.peerUnregistered(tx, partner);
          else await this.partners.peerRegistered(tx, partner, req.method, msg as RegisterMessage, { requestId, correlationId });
          break;
        case 'handshake':
          await this.partners.handshakeReceived(tx, partner, requestId, msg as HandshakeMessage);
          break;
        case 'heartbeat':
          await this.partners.heartbeatReceived(tx, partner, (msg as HeartbeatMessage).offline_mode_at);
          break;
        case 'update_group_capacity_forecast':
          await this.forecasts.receive(tx, partner, requestId, msg as GroupCapacityForecastMessage);
          break;
        case 'handshake_acknowledge':
        case 'adjust_group_capacity_forecast':
          // Only a Capacity Optimizer would send these to us; kept in the inbound log.
          break;
      }
    });
    return { action, requestId };
  }

  /** Called once the answer has been written: follow-ups may go now. */
  answered(): void {
    this.dispatcher.kick();
  }
}
