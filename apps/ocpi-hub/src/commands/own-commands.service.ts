import { Injectable } from '@nestjs/common';
import { Subjects, type OcpiCommandResult, type OcpiCommandType } from '@cpo/contracts';
import { OutboxWriter } from '@cpo/messaging';
import { ocpiResponse, OcpiStatus, type PartyRef } from '@cpo/ocpi-protocol';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { OcpiContext } from '../edge/ocpi-context.js';
import { unknownLocation } from '../edge/ocpi-errors.js';
import type { Forwarded } from '../objects/direct-forwarder.js';
import { CommandsRepository } from './commands.repository.js';

type Json = Record<string, unknown>;

/** How long we tell the eMSP to wait for the asynchronous result of an own-charger command, in s. */
const OWN_COMMAND_TIMEOUT_S = 60;

/** 2.1.1 knows only five results; the 2.2.1 ones map onto them. */
export function resultFor211(result: string): string {
  if (['NOT_SUPPORTED', 'REJECTED', 'ACCEPTED', 'TIMEOUT', 'UNKNOWN_SESSION'].includes(result)) return result;
  return result === 'CANCELED_RESERVATION' ? 'ACCEPTED' : 'REJECTED';
}

/**
 * Commands for the platform's own chargers: instead of an HTTP forward, `ocpi.command.requested`
 * goes to the ocpp service through the outbox, in the same transaction as the command record;
 * the eMSP gets ACCEPTED (the hub took it) and later the result from `ocpi.command.result`.
 */
@Injectable()
export class OwnCommandsService {
  constructor(
    private readonly commands: CommandsRepository,
    private readonly outbox: OutboxWriter,
  ) {}

  async request(ctx: OcpiContext, type: OcpiCommandType, body: Json, requester: PartyRef, own: PartyRef): Promise<Forwarded> {
    const locationId = typeof body.location_id === 'string' ? body.location_id : undefined;
    const evseUid = typeof body.evse_uid === 'string' ? body.evse_uid : undefined;
    const target = await this.commands.transaction(async (tx) => (locationId ? this.station(tx, locationId, evseUid) : undefined));
    if (!target) {
      // STOP_SESSION / CANCEL_RESERVATION name no location: the ocpp service has no OCPI session map yet.
      if (!locationId) return this.answer(ctx, type === 'STOP_SESSION' ? 'UNKNOWN_SESSION' : 'REJECTED');
      throw unknownLocation(`unknown location ${locationId}`);
    }
    const id = randomUUID();
    const { response_url: responseUrl, location_id: _l, evse_uid: _e, connector_id: _c, authorization_reference: reference, ...parameters } = body;
    await this.commands.transaction(async (tx) => {
      await this.commands.insert({ id, kind: 'own-command', command: type, requesterConnection: ctx.connection.id, requester, receiver: own, responseUrl: String(responseUrl), correlationId: ctx.correlationId, status: 'REQUESTED' }, tx);
      await this.outbox.enqueue(tx, Subjects.OcpiCommandRequested, {
        commandId: id,
        type,
        stationId: target.stationId,
        ...(type !== 'RESERVE_NOW' || evseUid ? { connectorId: target.connectorId } : {}),
        ...(locationId ? { locationId } : {}),
        evseUid: target.evseUid,
        ...(typeof reference === 'string' ? { authorizationReference: reference } : {}),
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
    const body: Json =
      version === '2.1.1' ? { result: resultFor211(r.result) } : { result: r.result, ...(r.message ? { message: [{ language: 'en', text: r.message }] } : {}) };
    await this.commands.setStatus(record.id, 'RESULT', body, tx);
    return { record, body };
  }

  private answer(ctx: OcpiContext, result: string): Forwarded {
    const data = ctx.version === '2.1.1' ? { result: resultFor211(result) } : { result, timeout: OWN_COMMAND_TIMEOUT_S };
    return { httpStatus: 200, envelope: { ...ocpiResponse(OcpiStatus.Success, data) } };
  }

  private async station(tx: EntityManager, locationId: string, evseUid?: string): Promise<{ stationId: string; connectorId: number; evseUid: string } | undefined> {
    const rows: { station_id: string; connector_id: number; evse_uid: string }[] = await tx.query(
      `SELECT station_id, connector_id, evse_uid FROM ocpi_own_evse WHERE location_id = $1 AND ($2::text IS NULL OR evse_uid = $2) ORDER BY evse_uid LIMIT 1`,
      [locationId, evseUid ?? null],
    );
    return rows[0] ? { stationId: rows[0].station_id, connectorId: rows[0].connector_id, evseUid: rows[0].evse_uid } : undefined;
  }
}
