import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { OCPI_OWN_COMMAND_RESULT_DELIVERY_S, OCPI_OWN_COMMAND_TIMEOUT_S, ocppCommandSubject, OcppCommandReplyV1, OcpiTokenType, parseRequestPayload, Subjects, type OcpiCommandResult, type OcpiCommandType, type OcppCommandReply, type OcppCommandRequest } from '@cpo/contracts';
import { BusRequester, OutboxWriter } from '@cpo/messaging';
import { ROOT_LOGGER, TimeoutError } from '@cpo/platform';
import { authorizationReference, ocpiResponse, OcpiStatus, type PartyRef } from '@cpo/ocpi-protocol';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { HUB_CONFIG, type OcpiHubConfig } from '../config.js';
import type { OcpiContext } from '../edge/ocpi-context.js';
import { unknownLocation } from '../edge/ocpi-errors.js';
import type { Forwarded } from '../objects/direct-forwarder.js';
import { TokenRoutesRepository } from '../tokens/token-routes.repository.js';
import { CommandsRepository, type CommandRecord } from './commands.repository.js';
import { ownStopResult } from './own-stop-result.js';
import { ReservationRoutesRepository, reservationIdOf } from './reservation-routes.repository.js';

type Json = Record<string, unknown>;

/** Extra time the bus request waits beyond the charger timeout given to the ocpp service. */
const BUS_MARGIN_MS = 2_000;

/**
 * The charger timeout of an own STOP_SESSION: the configured one, but never so long that the
 * charger's answer (or our TIMEOUT) comes after the timeout announced to the eMSP
 * (OCPI_OWN_COMMAND_TIMEOUT_S, the result's delivery and our bus margin included).
 */
export function ownStopTimeoutMs(configuredMs: number): number {
  return Math.min(configuredMs, (OCPI_OWN_COMMAND_TIMEOUT_S - OCPI_OWN_COMMAND_RESULT_DELIVERY_S) * 1000 - BUS_MARGIN_MS);
}

/**
 * The CommandResponse of an own-charger command. 2.2.1's `timeout` is the one ocpp acts within
 * (shared constant), so the eMSP does not give up, and retry, while the charger may still act.
 */
export function ownCommandResponse(version: string, result: string): Json {
  return version === '2.1.1' ? { result: resultFor211(result) } : { result, timeout: OCPI_OWN_COMMAND_TIMEOUT_S };
}

/** 2.1.1 knows only five results; the 2.2.1 ones map onto them. */
export function resultFor211(result: string): string {
  if (['NOT_SUPPORTED', 'REJECTED', 'ACCEPTED', 'TIMEOUT', 'UNKNOWN_SESSION'].includes(result)) return result;
  return result === 'CANCELED_RESERVATION' ? 'ACCEPTED' : 'REJECTED';
}

/** The asynchronous result body for the requester's version. */
export function resultBody(version: string | undefined, result: string, message?: string): Json {
  return version === '2.1.1' ? { result: resultFor211(result) } : { result, ...(message ? { message: [{ language: 'en', text: message }] } : {}) };
}

/**
 * The token of a START_SESSION as its Session will name it: uid, type (2.2.1 adds APP_USER and
 * AD_HOC_USER; an unknown or missing one is OTHER), contract id (2.1.1 `auth_id`) and the
 * `authorization_reference` (on 2.1.1 an extension field, also under Gireve's `authorization_id`).
 */
export function startSessionToken(body: Json): { uid: string; type: OcpiTokenType; contractId?: string; reference?: string } | undefined {
  const token = typeof body.token === 'object' && body.token !== null ? (body.token as Json) : undefined;
  if (typeof token?.uid !== 'string') return undefined;
  const type = OcpiTokenType.safeParse(token.type);
  const contractId = token.contract_id ?? token.auth_id;
  const reference = authorizationReference(body);
  return { uid: token.uid, type: type.success ? type.data : 'OTHER', ...(typeof contractId === 'string' ? { contractId } : {}), ...(reference ? { reference } : {}) };
}

/**
 * Whether the charger may have started a session on a START_SESSION with this result: it accepted,
 * or its answer is unknown (TIMEOUT: no answer in time, or the socket closed after the call could
 * have been sent). Any other result is a refusal, or the call never reached the charger.
 */
export function startMayHaveHappened(result: OcpiCommandResult['result']): boolean {
  return result === 'ACCEPTED' || result === 'TIMEOUT';
}

/** Relays a stored result to the requester (CommandsService's, passed in to avoid a dependency cycle). */
export type Relay = (record: CommandRecord, body: Json) => void;

/**
 * Commands for the platform's own chargers. START_SESSION, RESERVE_NOW, UNLOCK_CONNECTOR and
 * CANCEL_RESERVATION go to the ocpp service as `ocpi.command.requested` through the outbox, in the
 * same transaction as the command record; the result comes back as `ocpi.command.result`.
 * CANCEL_RESERVATION names only the reservation: the station is the one its RESERVE_NOW went to.
 * STOP_SESSION names an OCPI session, which only the hub knows: its own-session table maps it to
 * the station and OCPP transaction, and the hub sends RemoteStopTransaction on
 * `ocpp.command.{stationId}` itself after answering the eMSP; the charger's answer is the result.
 * The eMSP gets ACCEPTED (the hub took the command, committed) and later the result.
 */
@Injectable()
export class OwnCommandsService implements OnModuleDestroy {
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly commands: CommandsRepository,
    private readonly reservations: ReservationRoutesRepository,
    private readonly routes: TokenRoutesRepository,
    private readonly outbox: OutboxWriter,
    private readonly bus: BusRequester,
    @Inject(HUB_CONFIG) private readonly config: OcpiHubConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async request(ctx: OcpiContext, type: OcpiCommandType, body: Json, requester: PartyRef, own: PartyRef, relay: Relay): Promise<Forwarded> {
    if (type === 'STOP_SESSION') return this.stop(ctx, body, requester, own, relay);
    const locationId = typeof body.location_id === 'string' ? body.location_id : undefined;
    const evseUid = typeof body.evse_uid === 'string' ? body.evse_uid : undefined;
    const reservationId = reservationIdOf(body);
    const target = await this.commands.transaction(async (tx) => {
      if (type === 'CANCEL_RESERVATION') {
        const route = reservationId === undefined ? undefined : await this.reservations.find(requester, reservationId, tx);
        return route?.stationId !== undefined && route.evseUid !== undefined ? { stationId: route.stationId, connectorId: route.connectorId, evseUid: route.evseUid, locationId: route.locationId } : undefined;
      }
      const found = locationId ? await this.station(tx, locationId, evseUid) : undefined;
      return found && locationId ? { ...found, locationId } : undefined;
    });
    if (!target) {
      // A reservation this eMSP never made on our chargers (or one made before the hub kept them).
      if (type === 'CANCEL_RESERVATION' || !locationId) return this.answer(ctx, 'REJECTED');
      throw unknownLocation(`unknown location ${locationId}`);
    }
    const id = randomUUID();
    const { response_url: responseUrl, location_id: _l, evse_uid: _e, connector_id: _c, authorization_reference: _r, authorization_id: _g, ...parameters } = body;
    const token = type === 'START_SESSION' ? startSessionToken(body) : undefined;
    const reference = token?.reference ?? authorizationReference(body);
    await this.commands.transaction(async (tx) => {
      await this.commands.insert({ id, kind: 'own-command', command: type, requesterConnection: ctx.connection.id, requester, receiver: own, responseUrl: String(responseUrl), correlationId: ctx.correlationId, status: 'REQUESTED' }, tx);
      if (type === 'RESERVE_NOW' && reservationId !== undefined) {
        await this.reservations.remember(requester, reservationId, { cpo: own, ...target, connectorId: evseUid ? target.connectorId : undefined }, tx);
      }
      // ocpp accepts a remote-started token without asking the hub, so this is the only place that
      // learns whose session it will be: the transaction's Session and CDR are found through it.
      if (token) {
        await this.routes.rememberCommand({ cpo: own, uid: token.uid, type: token.type, emsp: requester, authorizationReference: token.reference, locationId: target.locationId, contractId: token.contractId, commandId: id }, tx);
      }
      await this.outbox.enqueue(tx, Subjects.OcpiCommandRequested, {
        commandId: id,
        type,
        stationId: target.stationId,
        ...((type !== 'RESERVE_NOW' || evseUid) && target.connectorId !== undefined ? { connectorId: target.connectorId } : {}),
        locationId: target.locationId,
        evseUid: target.evseUid,
        // OCPI reservation ids are unique per eMSP only: ocpp keeps each eMSP's reservations apart by this.
        requester: { countryCode: requester.countryCode.toUpperCase(), partyId: requester.partyId.toUpperCase() },
        ...(reference ? { authorizationReference: reference } : {}),
        parameters,
        requestedAt: new Date().toISOString(),
      });
    });
    return this.answer(ctx, 'ACCEPTED');
  }

  /** Stores the charger's outcome; returns the record and body to relay to the eMSP after commit. */
  async applyResult(tx: EntityManager, r: OcpiCommandResult, requesterVersion: (connectionId: string) => Promise<string | undefined>) {
    const record = await this.commands.find(r.commandId, tx);
    if (!record || record.kind !== 'own-command' || record.status !== 'REQUESTED') return undefined;
    const version = record.requesterConnection ? await requesterVersion(record.requesterConnection) : undefined;
    const body = resultBody(version, r.result, r.message);
    await this.commands.setStatus(record.id, 'RESULT', body, tx);
    if (record.command === 'START_SESSION') await this.routes.settleCommand(record.id, startMayHaveHappened(r.result), tx);
    return { record, body };
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }

  /** STOP_SESSION of an own session of this eMSP: RemoteStopTransaction to the station holding it. */
  private async stop(ctx: OcpiContext, body: Json, requester: PartyRef, own: PartyRef, relay: Relay): Promise<Forwarded> {
    const sessionId = String(body.session_id);
    const session = await this.commands.transaction((tx) => this.ownSession(tx, sessionId, requester, own));
    if (!session) return this.answer(ctx, 'UNKNOWN_SESSION');
    // A completed session cannot be stopped (the charger would refuse an ended transaction anyway).
    if (session.completed) return this.answer(ctx, 'REJECTED');
    const id = randomUUID();
    const record: CommandRecord = { id, kind: 'own-stop', command: 'STOP_SESSION', requesterConnection: ctx.connection.id, requester, receiver: own, responseUrl: String(body.response_url), correlationId: ctx.correlationId, status: 'REQUESTED' };
    await this.commands.insert(record);
    const done = this.remoteStop(record, session, ctx.version, relay).catch((err: unknown) => this.logger.error({ err, commandId: id, sessionId }, 'own STOP_SESSION failed'));
    this.inflight.add(done);
    void done.finally(() => this.inflight.delete(done));
    return this.answer(ctx, 'ACCEPTED');
  }

  private async remoteStop(record: CommandRecord, session: { stationId: string; transactionId: number }, version: string, relay: Relay): Promise<void> {
    const timeoutMs = ownStopTimeoutMs(this.config.OCPI_COMMAND_TIMEOUT_MS);
    const request: OcppCommandRequest = { action: 'RemoteStopTransaction', payload: { transactionId: session.transactionId }, timeoutMs };
    let reply: OcppCommandReply | undefined;
    let failure: unknown;
    try {
      reply = await this.bus.request(ocppCommandSubject(session.stationId), request, {
        timeoutMs: timeoutMs + BUS_MARGIN_MS,
        parseReply: (p) => parseRequestPayload(OcppCommandReplyV1, p),
        metricSubject: 'ocpp.command.*',
      });
    } catch (err) {
      failure = err;
    }
    const outcome = ownStopResult(reply, failure instanceof TimeoutError ? 'timeout' : failure ? 'unavailable' : undefined);
    this.logger.info({ commandId: record.id, stationId: session.stationId, transactionId: session.transactionId, result: outcome.result, err: failure }, 'own STOP_SESSION answered');
    const body = resultBody(version, outcome.result, outcome.message);
    await this.commands.setStatus(record.id, 'RESULT', body);
    relay(record, body);
  }

  /** The station and OCPP transaction of an own session belonging to this eMSP, and whether it is completed. */
  private async ownSession(tx: EntityManager, sessionId: string, emsp: PartyRef, own: PartyRef): Promise<{ stationId: string; transactionId: number; completed: boolean } | undefined> {
    const rows: { station_id: string; transaction_id: string; completed: boolean }[] = await tx.query(
      `SELECT s.station_id, s.transaction_id,
              EXISTS (SELECT 1 FROM ocpi_object o WHERE o.module = 'sessions' AND o.country_code = $4 AND o.party_id = $5 AND o.object_id = s.session_id AND o.data->>'status' = 'COMPLETED') AS completed
       FROM ocpi_own_session s
       WHERE s.session_id = $1 AND s.emsp_country_code = $2 AND s.emsp_party_id = $3 AND s.station_id IS NOT NULL`,
      [sessionId, emsp.countryCode, emsp.partyId, own.countryCode, own.partyId],
    );
    return rows[0] ? { stationId: rows[0].station_id, transactionId: Number(rows[0].transaction_id), completed: rows[0].completed === true } : undefined;
  }

  private answer(ctx: OcpiContext, result: string): Forwarded {
    return { httpStatus: 200, envelope: { ...ocpiResponse(OcpiStatus.Success, ownCommandResponse(ctx.version, result)) } };
  }

  private async station(tx: EntityManager, locationId: string, evseUid?: string): Promise<{ stationId: string; connectorId: number; evseUid: string } | undefined> {
    const rows: { station_id: string; connector_id: number; evse_uid: string }[] = await tx.query(
      `SELECT station_id, connector_id, evse_uid FROM ocpi_own_evse WHERE location_id = $1 AND ($2::text IS NULL OR evse_uid = $2) ORDER BY evse_uid LIMIT 1`,
      [locationId, evseUid ?? null],
    );
    return rows[0] ? { stationId: rows[0].station_id, connectorId: rows[0].connector_id, evseUid: rows[0].evse_uid } : undefined;
  }
}
