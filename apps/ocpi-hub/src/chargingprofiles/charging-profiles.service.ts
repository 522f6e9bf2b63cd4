import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ROOT_LOGGER, TimeoutError } from '@cpo/platform';
import { ActiveChargingProfile, describe, endpointUrl, partyKey, sameParty, SetChargingProfile, type ChargingProfileRequestKind, type OcpiVersion } from '@cpo/ocpi-protocol';
import type { Logger } from 'pino';
import { HUB_CONFIG, type OcpiHubConfig } from '../config.js';
import { CommandsRepository } from '../commands/commands.repository.js';
import { CommandsService } from '../commands/commands.service.js';
import type { RequestLike } from '../edge/hub-urls.js';
import { HubUrls } from '../edge/hub-urls.js';
import type { OcpiContext } from '../edge/ocpi-context.js';
import { forwardTimeout, invalidParameters, receiverNotConnected, unknownObject, unknownReceiver } from '../edge/ocpi-errors.js';
import type { Forwarded } from '../objects/direct-forwarder.js';
import { ObjectsRepository } from '../objects/objects.repository.js';
import { PartnerClient } from '../outbound/partner-client.js';
import { partnerToken } from '../outbound/partner-token.js';
import { isRegistered, type Agreement, type Party } from '../partners/partner.types.js';
import { PartnersRepository } from '../partners/partners.repository.js';
import { PartnersService } from '../partners/partners.service.js';
import { TokenVault } from '../partners/token-vault.js';

const METHOD: Record<ChargingProfileRequestKind, 'GET' | 'PUT' | 'DELETE'> = { ACTIVE: 'GET', SET: 'PUT', CLEAR: 'DELETE' };

/**
 * Charging profiles (guide §5, §7.8): routed by `session_id` to the CPO whose cached session belongs
 * to the requester; the `response_url` is replaced by a hub URL naming the request kind, because
 * ChargingProfileResult and ClearProfileResult look alike. Results are relayed like command results.
 */
@Injectable()
export class ChargingProfilesService {
  constructor(
    private readonly objects: ObjectsRepository,
    private readonly partners: PartnersService,
    private readonly repo: PartnersRepository,
    private readonly records: CommandsRepository,
    private readonly commands: CommandsService,
    private readonly client: PartnerClient,
    private readonly vault: TokenVault,
    private readonly urls: HubUrls,
    @Inject(HUB_CONFIG) private readonly config: OcpiHubConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async request(ctx: OcpiContext, kind: ChargingProfileRequestKind, sessionId: string, query: Record<string, unknown>, body: unknown, req: RequestLike): Promise<Forwarded> {
    const responseUrl = kind === 'SET' ? this.setBody(body).response_url : query.response_url;
    if (typeof responseUrl !== 'string' || !/^https?:\/\//.test(responseUrl)) throw invalidParameters('response_url is required');
    if (kind === 'ACTIVE' && (typeof query.duration !== 'string' || !/^\d+$/.test(query.duration))) throw invalidParameters('duration (seconds) is required');
    await this.requireOffered(ctx);
    const requester = this.requester(ctx);
    const counterparts = (await this.partners.agreedCounterparts(requester)).filter((c) => c.party.role === 'CPO');
    const cpos = counterparts.map((c) => c.party);
    const sessions = await this.objects.findAmong('sessions', cpos, [requester], sessionId);
    // 2.2.1 has no better code for an unknown session on this module (guide §8.2).
    if (sessions.length !== 1) throw invalidParameters(sessions.length === 0 ? `unknown session ${sessionId}` : `session ${sessionId} is ambiguous`);
    const { party: cpo, agreement } = counterparts.find((c) => sameParty(c.party, { countryCode: sessions[0].countryCode, partyId: sessions[0].partyId }))!;
    const conn = await this.repo.findConnection(cpo.connectionId);
    if (!conn || !isRegistered(conn) || conn.status !== 'CONNECTED') throw receiverNotConnected(`${partyKey(cpo)} is not connected`);
    this.requireAgreed(agreement, ctx.version, conn.version, partyKey(cpo));
    const base = endpointUrl(conn.endpoints, 'chargingprofiles', conn.version === '2.2.1' ? 'RECEIVER' : undefined);
    if (!base) throw unknownReceiver(`${partyKey(cpo)} offers no charging profiles`);

    const id = randomUUID();
    const callback = conn.version === '2.2.1' ? `${this.urls.base(req)}/ocpi/2.2.1/sender/chargingprofiles/${kind}/${id}` : `${this.urls.base(req)}/ocpi/${conn.face}/2.1.1/chargingprofiles/${kind}/${id}`;
    await this.records.insert({ id, kind: 'chargingprofile', command: kind, requesterConnection: ctx.connection.id, requester, receiver: cpo, responseUrl, correlationId: ctx.correlationId, status: 'REQUESTED' });
    const params = new URLSearchParams();
    if (kind === 'ACTIVE') params.set('duration', String(query.duration));
    if (kind !== 'SET') params.set('response_url', callback);
    const url = `${base.replace(/\/$/, '')}/${encodeURIComponent(sessionId)}${kind === 'SET' ? '' : `?${params.toString()}`}`;
    try {
      const res = await this.client.call({
        connectionId: conn.id,
        partner: conn.name,
        module: 'chargingprofiles',
        method: METHOD[kind],
        url,
        ...partnerToken(this.vault, conn),
        body: kind === 'SET' ? { ...(body as Record<string, unknown>), response_url: callback } : undefined,
        correlationId: ctx.correlationId,
        timeoutMs: this.config.OCPI_COMMAND_TIMEOUT_MS,
        ...(conn.version === '2.2.1' ? { to: cpo, from: requester } : {}),
      });
      if (!res.envelope) throw receiverNotConnected(`${partyKey(cpo)} answered HTTP ${res.httpStatus} without an OCPI body`);
      await this.records.setStatus(id, 'SENT', res.envelope.data);
      return { httpStatus: res.httpStatus, envelope: res.envelope };
    } catch (err) {
      await this.records.setStatus(id, err instanceof TimeoutError ? 'TIMEOUT' : 'FAILED');
      if (err instanceof TimeoutError) throw forwardTimeout(`${partyKey(cpo)} did not answer in time`);
      if ((err as { details?: { ocpiStatus?: number } }).details?.ocpiStatus) throw err;
      this.logger.warn({ err, cpo: partyKey(cpo) }, 'charging profile forward failed');
      throw receiverNotConnected(`${partyKey(cpo)} is unreachable`);
    }
  }

  /**
   * A CPO's ActiveChargingProfile update (PUT /{session_id} on the SCSP interface): only the CPO that
   * owns the cached session may send it, and it goes only to the eMSP the session belongs to (its
   * charging-profiles Sender interface; the custom module on 2.1.1). The answer is relayed unchanged.
   */
  async activeUpdate(ctx: OcpiContext, sessionId: string, body: unknown): Promise<Forwarded> {
    const parsed = ActiveChargingProfile.safeParse(body);
    if (!parsed.success) throw invalidParameters(`invalid ActiveChargingProfile: ${describe(parsed.error)}`);
    await this.requireOffered(ctx);
    const cpos = ctx.connection.parties.filter((p) => p.role === 'CPO' && (!ctx.routing.from || sameParty(p, ctx.routing.from)));
    if (cpos.length === 0) throw invalidParameters('only a CPO can send ActiveChargingProfile updates');
    const sessions = (await Promise.all(cpos.map((c) => this.objects.get('sessions', c, sessionId)))).filter((s) => s !== undefined);
    if (sessions.length !== 1 || !sessions[0].audience) throw invalidParameters(sessions.length === 0 ? `unknown session ${sessionId}` : `cannot tell whom session ${sessionId} belongs to`);
    const session = sessions[0];
    const cpo = cpos.find((c) => sameParty(c, session))!;
    const counterpart = (await this.partners.agreedCounterparts(cpo)).find((c) => c.party.role === 'EMSP' && partyKey(c.party) === session.audience);
    if (!counterpart) throw unknownReceiver(`no agreement with the eMSP of session ${sessionId}`);
    const emsp = counterpart.party;
    const conn = await this.repo.findConnection(emsp.connectionId);
    if (!conn || !isRegistered(conn) || conn.status !== 'CONNECTED') throw receiverNotConnected(`${partyKey(emsp)} is not connected`);
    this.requireAgreed(counterpart.agreement, ctx.version, conn.version, partyKey(emsp));
    const base = endpointUrl(conn.endpoints, 'chargingprofiles', conn.version === '2.2.1' ? 'SENDER' : undefined);
    if (!base) throw unknownReceiver(`${partyKey(emsp)} offers no charging profiles`);
    try {
      const res = await this.client.call({
        connectionId: conn.id,
        partner: conn.name,
        module: 'chargingprofiles',
        method: 'PUT',
        url: `${base.replace(/\/$/, '')}/${encodeURIComponent(sessionId)}`,
        ...partnerToken(this.vault, conn),
        body: parsed.data,
        correlationId: ctx.correlationId,
        ...(conn.version === '2.2.1' ? { to: emsp, from: cpo } : {}),
      });
      if (!res.envelope) throw receiverNotConnected(`${partyKey(emsp)} answered HTTP ${res.httpStatus} without an OCPI body`);
      return { httpStatus: res.httpStatus, envelope: res.envelope };
    } catch (err) {
      if (err instanceof TimeoutError) throw forwardTimeout(`${partyKey(emsp)} did not answer in time`);
      if ((err as { details?: { ocpiStatus?: number } }).details?.ocpiStatus) throw err;
      throw receiverNotConnected(`${partyKey(emsp)} is unreachable`);
    }
  }

  /** A CPO's asynchronous result for one request, relayed to the requester's original URL. */
  async result(ctx: OcpiContext, kind: string, id: string, body: unknown): Promise<void> {
    const record = /^[0-9a-f-]{36}$/.test(id) ? await this.records.find(id) : undefined;
    if (!record || record.kind !== 'chargingprofile' || record.command !== kind || !ctx.connection.parties.some((p) => sameParty(p, record.receiver))) throw unknownObject('unknown request');
    if (typeof body !== 'object' || body === null || typeof (body as { result?: unknown }).result !== 'string') throw invalidParameters('a result needs a result');
    await this.records.setStatus(id, 'RESULT', body);
    this.commands.relayInBackground(record, body as Record<string, unknown>);
  }

  /**
   * On 2.1.1 the module is a custom extension, offered only to connections with an agreement that
   * enables it (guide §7.8); to others it does not exist: HTTP 404 like any endpoint not offered.
   */
  private async requireOffered(ctx: OcpiContext): Promise<void> {
    if (ctx.version === '2.1.1' && !(await this.partners.chargingProfiles211Offered(ctx.connection))) {
      throw unknownObject('the charging-profiles module is not offered to this connection (no agreement enables it)');
    }
  }

  /**
   * An exchange that uses the 2.1.1 custom module on either edge needs the agreement's consent.
   * Requester on 2.1.1: the session is not reachable through the module (HTTP 404, 2000). Requester
   * on 2.2.1, counterpart on 2.1.1: the counterpart is no charging-profiles receiver for it (4001).
   */
  private requireAgreed(agreement: Agreement, requesterVersion: OcpiVersion, counterpartVersion: OcpiVersion, counterpart: string): void {
    if (agreement.chargingProfiles211) return;
    if (requesterVersion === '2.1.1') throw unknownObject(`charging profiles are not agreed with ${counterpart} on OCPI 2.1.1`);
    if (counterpartVersion === '2.1.1') throw unknownReceiver(`${counterpart} receives charging profiles only where the agreement enables the 2.1.1 extension`);
  }

  private setBody(body: unknown) {
    const parsed = SetChargingProfile.safeParse(body);
    if (!parsed.success) throw invalidParameters(`invalid SetChargingProfile: ${describe(parsed.error)}`);
    return parsed.data;
  }

  private requester(ctx: OcpiContext): Party {
    const emsps = ctx.connection.parties.filter((p) => p.role === 'EMSP' || p.role === 'SCSP');
    const from = ctx.routing.from;
    const party = from ? emsps.find((p) => sameParty(p, from)) : emsps[0];
    if (!party) throw invalidParameters('only an eMSP or SCSP can manage charging profiles');
    return party;
  }
}
