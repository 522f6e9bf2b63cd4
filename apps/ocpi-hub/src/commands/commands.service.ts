import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { ROOT_LOGGER, TimeoutError } from '@cpo/platform';
import { CommandRequest, commandRequestTo, commandResponseTo, commandResultTo, CommandType, describe, endpointUrl, ocpiResponse, OcpiStatus, partyKey, sameParty, type PartyRef } from '@cpo/ocpi-protocol';
import type { Logger } from 'pino';
import { HUB_CONFIG, type OcpiHubConfig } from '../config.js';
import type { RequestLike } from '../edge/hub-urls.js';
import { HubUrls } from '../edge/hub-urls.js';
import { HubIdentity } from '../edge/hub-identity.js';
import type { OcpiContext } from '../edge/ocpi-context.js';
import { forwardTimeout, invalidParameters, receiverNotConnected, unknownLocation, unknownObject, unknownReceiver } from '../edge/ocpi-errors.js';
import type { Forwarded } from '../objects/direct-forwarder.js';
import { ObjectsRepository } from '../objects/objects.repository.js';
import { PartnerClient } from '../outbound/partner-client.js';
import { partnerToken } from '../outbound/partner-token.js';
import { isRegistered, OWN_CONNECTION_NAME, type Party } from '../partners/partner.types.js';
import { PartnersRepository } from '../partners/partners.repository.js';
import { PartnersService } from '../partners/partners.service.js';
import { TokenVault } from '../partners/token-vault.js';
import { CommandsRepository, type CommandRecord } from './commands.repository.js';
import { OwnCommandsService } from './own-commands.service.js';
import { ReservationRoutesRepository, reservationIdOf } from './reservation-routes.repository.js';

type Json = Record<string, unknown>;

/**
 * Commands (guide §7.4, §10): routed to the CPO that owns the location (or the session), with the
 * `response_url` replaced by a hub URL whose opaque id names the request; the CPO's asynchronous
 * result reaches the hub, which relays it to the eMSP's original URL.
 */
@Injectable()
export class CommandsService implements OnModuleDestroy {
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly commands: CommandsRepository,
    private readonly objects: ObjectsRepository,
    private readonly partners: PartnersService,
    private readonly repo: PartnersRepository,
    private readonly client: PartnerClient,
    private readonly vault: TokenVault,
    private readonly urls: HubUrls,
    private readonly hub: HubIdentity,
    private readonly own: OwnCommandsService,
    private readonly reservations: ReservationRoutesRepository,
    @Inject(HUB_CONFIG) private readonly config: OcpiHubConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async request(ctx: OcpiContext, command: string, rawBody: unknown, req: RequestLike): Promise<Forwarded> {
    const type = CommandType.safeParse(command);
    if (!type.success) throw unknownObject(`unknown command ${command}`);
    const parsed = CommandRequest[type.data].safeParse(rawBody);
    if (!parsed.success) throw invalidParameters(`invalid ${type.data}: ${describe(parsed.error)}`);
    const body = rawBody as Json;
    const requester = this.requester(ctx);
    const cpo = await this.target(ctx, requester, type.data, body);
    const conn = await this.repo.findConnection(cpo.connectionId);
    if (conn?.name === OWN_CONNECTION_NAME && !isRegistered(conn)) return this.own.request(ctx, type.data, body, requester, cpo, (record, result) => this.relayInBackground(record, result));
    if (!conn || !isRegistered(conn) || conn.status !== 'CONNECTED') throw receiverNotConnected(`${partyKey(cpo)} is not connected`);
    const base = endpointUrl(conn.endpoints, 'commands', conn.version === '2.2.1' ? 'RECEIVER' : undefined);
    if (!base) throw unknownReceiver(`${partyKey(cpo)} has no commands receiver`);
    // 2.1.1 has no CANCEL_RESERVATION: the hub answers for the CPO instead of sending it something it cannot parse.
    if (type.data === 'CANCEL_RESERVATION' && conn.version === '2.1.1') return { httpStatus: 200, envelope: { ...ocpiResponse(OcpiStatus.Success, commandResponseTo(ctx.version, { result: 'NOT_SUPPORTED' }, 0)) } };

    const id = randomUUID();
    const callback = conn.version === '2.2.1' ? `${this.urls.base(req)}/ocpi/2.2.1/sender/commands/${type.data}/${id}` : `${this.urls.base(req)}/ocpi/${conn.face}/2.1.1/commands/${type.data}/${id}`;
    await this.commands.insert({ id, kind: 'command', command: type.data, requesterConnection: ctx.connection.id, requester, receiver: cpo, responseUrl: String(body.response_url), correlationId: ctx.correlationId, status: 'REQUESTED' });
    const reservationId = reservationIdOf(body);
    if (type.data === 'RESERVE_NOW' && reservationId !== undefined) {
      await this.reservations.remember(requester, reservationId, { cpo, locationId: String(body.location_id), evseUid: typeof body.evse_uid === 'string' ? body.evse_uid : undefined });
    }
    try {
      const res = await this.client.call({
        connectionId: conn.id,
        partner: conn.name,
        module: 'commands',
        method: 'POST',
        url: `${base.replace(/\/$/, '')}/${type.data}`,
        ...partnerToken(this.vault, conn),
        body: commandRequestTo(conn.version, ctx.version, type.data, { ...body, response_url: callback }, requester),
        correlationId: ctx.correlationId,
        timeoutMs: this.config.OCPI_COMMAND_TIMEOUT_MS,
        ...(conn.version === '2.2.1' ? { to: cpo, from: requester } : {}),
      });
      if (!res.envelope) throw receiverNotConnected(`${partyKey(cpo)} answered HTTP ${res.httpStatus} without an OCPI body`);
      await this.commands.setStatus(id, 'SENT', res.envelope.data);
      const data = conn.version === ctx.version ? res.envelope.data : commandResponseTo(ctx.version, res.envelope.data, Math.ceil(this.config.OCPI_COMMAND_TIMEOUT_MS / 1000));
      return { httpStatus: res.httpStatus, envelope: { ...res.envelope, data } };
    } catch (err) {
      await this.commands.setStatus(id, err instanceof TimeoutError ? 'TIMEOUT' : 'FAILED');
      if (err instanceof TimeoutError) throw forwardTimeout(`${partyKey(cpo)} did not answer ${type.data} in time`);
      if ((err as { details?: { ocpiStatus?: number } }).details?.ocpiStatus) throw err;
      throw receiverNotConnected(`${partyKey(cpo)} is unreachable`);
    }
  }

  /** The CPO's asynchronous result: accepted once stored, relayed to the eMSP's original URL. */
  async result(ctx: OcpiContext, command: string, id: string, body: unknown): Promise<void> {
    const record = /^[0-9a-f-]{36}$/.test(id) ? await this.commands.find(id) : undefined;
    // Only the CPO the command went to may answer it; anyone else learns nothing.
    if (!record || record.command !== command || !ctx.connection.parties.some((p) => sameParty(p, record.receiver))) throw unknownObject('unknown command');
    if (typeof body !== 'object' || body === null || typeof (body as Json).result !== 'string') throw invalidParameters('a command result needs a result');
    await this.commands.setStatus(id, 'RESULT', body);
    this.relayInBackground(record, body as Json);
  }

  /** Relays a result to the requester's original URL; failures are logged and kept on the record. */
  relayInBackground(record: CommandRecord, body: Json): void {
    const done = this.relay(record, body).catch((err: unknown) => this.logger.warn({ err, commandId: record.id }, 'command result relay failed'));
    this.inflight.add(done);
    void done.finally(() => this.inflight.delete(done));
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }

  private async relay(record: CommandRecord, body: Json): Promise<void> {
    const requester = record.requesterConnection ? await this.repo.findConnection(record.requesterConnection) : undefined;
    if (!requester || !isRegistered(requester) || !record.responseUrl) {
      this.logger.warn({ commandId: record.id }, 'command result has nowhere to go');
      return;
    }
    const res = await this.client.call({
      connectionId: requester.id,
      partner: requester.name,
      module: 'commands',
      method: 'POST',
      url: record.responseUrl,
      ...partnerToken(this.vault, requester),
      // Command results change shape between versions; charging-profile results are 2.2.1 objects on both.
      body: record.kind === 'chargingprofile' ? body : commandResultTo(requester.version, body),
      correlationId: record.correlationId,
      ...(requester.version === '2.2.1' ? { to: record.requester, from: record.receiver } : {}),
    });
    await this.commands.setStatus(record.id, res.httpStatus === 200 ? 'RELAYED' : 'RELAY_FAILED');
  }

  private requester(ctx: OcpiContext): Party {
    const emsps = ctx.connection.parties.filter((p) => p.role === 'EMSP');
    const from = ctx.routing.from;
    const party = from ? emsps.find((p) => sameParty(p, from)) : emsps[0];
    if (!party) throw invalidParameters('only an eMSP party can send commands');
    return party;
  }

  /** The commands receiver: TO, else the CPO owning the location (or the session) among the agreed ones. */
  private async target(ctx: OcpiContext, requester: Party, type: CommandType, body: Json): Promise<Party> {
    const cpos = (await this.partners.agreedCounterparts(requester)).map((c) => c.party).filter((p) => p.role === 'CPO');
    const to = ctx.routing.to;
    if (to && !sameParty(to, this.hub.party)) {
      const direct = cpos.find((p) => sameParty(p, to));
      if (!direct) throw unknownReceiver(`no agreement with ${partyKey(to)}`);
      return direct;
    }
    const owners = await this.ownersOf(type, body, cpos, requester);
    if (owners.length > 1) throw invalidParameters('several CPOs match: send OCPI-to-* headers');
    if (owners.length === 0) {
      if (type === 'STOP_SESSION' || type === 'CANCEL_RESERVATION') throw invalidParameters('cannot tell which CPO to ask: send OCPI-to-* headers');
      throw unknownLocation(`unknown location ${String(body.location_id)}`);
    }
    return cpos.find((p) => sameParty(p, owners[0]))!;
  }

  private async ownersOf(type: CommandType, body: Json, cpos: Party[], requester: Party): Promise<PartyRef[]> {
    if (type === 'STOP_SESSION') {
      const sessions = await this.objects.findAmong('sessions', cpos, [requester], String(body.session_id));
      return sessions.map((s) => ({ countryCode: s.countryCode, partyId: s.partyId }));
    }
    if (type === 'CANCEL_RESERVATION') {
      // The CPO its RESERVE_NOW went to, while that CPO is still agreed with the eMSP.
      const reservationId = reservationIdOf(body);
      const route = reservationId === undefined ? undefined : await this.reservations.find(requester, reservationId);
      return route && cpos.some((p) => sameParty(p, route.cpo)) ? [route.cpo] : [];
    }
    const locations = await this.objects.findAmong('locations', cpos, [requester], String(body.location_id));
    return locations.map((l) => ({ countryCode: l.countryCode, partyId: l.partyId }));
  }
}
