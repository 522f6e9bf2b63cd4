import { Injectable } from '@nestjs/common';
import { parseDateTime, partyKey, type PartyRef } from '@cpo/ocpi-protocol';
import type { OcppTransactionStopped } from '@cpo/contracts';
import type { EntityManager } from 'typeorm';
import { ObjectsRepository } from '../objects/objects.repository.js';
import { ocpiDateTime } from './evse-status.js';
import { buildOwnCdr } from './own-cdr.js';
import type { OwnDelivery } from './own-delivery.service.js';
import { OwnPartyService } from './own-party.service.js';
import { processedAt } from './processed-at.js';
import { settledEnergy, usagePeriods } from './usage-periods.js';

type Json = Record<string, unknown>;

/** `ocpi_own_session`: what an own roaming Session needs and the OCPP events do not repeat. */
export interface OwnSessionRow {
  session_id: string;
  meter_start_wh: number;
  emsp_country_code: string;
  emsp_party_id: string;
}

export const emspOf = (r: OwnSessionRow): PartyRef => ({ countryCode: r.emsp_country_code, partyId: r.emsp_party_id });

/**
 * Settles a stopped own roaming session: completes the cached Session and makes its CDR, priced
 * under the connector's Tariff interval by interval between the kept meter readings. The same
 * whether the stop was handled after its start or, kept, when the start came.
 */
@Injectable()
export class OwnSettlementService {
  constructor(
    private readonly objects: ObjectsRepository,
    private readonly own: OwnPartyService,
  ) {}

  /** The Session PATCH and the CDR POST, in that order; nothing for a session already completed (a repeated stop). */
  async settle(tx: EntityManager, row: OwnSessionRow, e: OcppTransactionStopped, correlationId: string): Promise<OwnDelivery[]> {
    const party = this.own.get();
    const cached = await this.objects.get('sessions', party, row.session_id, '', tx, true);
    if (!cached || cached.data.status === 'COMPLETED') return [];
    const at = ocpiDateTime(e.stoppedAt);
    // ocpp's settled energy when the stop carries it (the same figure in the Session, the CDR and its periods).
    const settled = settledEnergy(row.meter_start_wh, e);
    const kwh = settled.wh / 1000;
    // The hub's time of settling, for the Session and its CDR alike (see processedAt); the stop's own
    // time stays in end_date_time and the periods.
    const lastUpdated = processedAt(cached.data.last_updated);
    const patch: Json = { status: 'COMPLETED', end_date_time: at, kwh, last_updated: lastUpdated };
    const session = { ...cached.data, ...patch };
    await this.objects.upsert(tx, { ...cached, data: session }, parseDateTime(lastUpdated)!);

    const location = await this.objects.get('locations', party, String(session.location_id), '', tx);
    const tariff = await this.tariffOf(tx, location?.data, session);
    // TypeORM answers a DELETE … RETURNING on PostgreSQL with [rows, affected].
    const [readings]: [{ at: Date; wh: number; current_a: number | null }[], number] = await tx.query(`DELETE FROM ocpi_own_session_meter WHERE transaction_id = $1 RETURNING at, wh, current_a`, [e.transactionId]);
    const periods = usagePeriods(
      { at: String(session.start_date_time), wh: settled.fromWh },
      readings.map((r) => ({ at: ocpiDateTime(new Date(r.at).toISOString()), wh: r.wh, ...(r.current_a === null ? {} : { currentA: r.current_a }) })),
      { at, wh: e.meterStopWh },
    );
    const cdr = buildOwnCdr(session, location?.data, tariff, { at, kwh, periods, lastUpdated });
    const emsp = emspOf(row);
    await this.objects.upsert(tx, { module: 'cdrs', countryCode: party.countryCode, partyId: party.partyId, objectId: String(cdr.id), objectType: '', data: cdr, sourceVersion: '2.2.1', audience: partyKey(emsp) }, parseDateTime(lastUpdated)!);
    return [
      { emsp, module: 'sessions', method: 'PATCH', objectId: row.session_id, body: patch, correlationId },
      { emsp, module: 'cdrs', method: 'POST', objectId: String(cdr.id), body: cdr, correlationId },
    ];
  }

  /** The own Tariff the session's connector names (its first `tariff_ids` entry), if cached. */
  private async tariffOf(tx: EntityManager, location: Json | undefined, session: Json): Promise<Json | undefined> {
    const evse = ((location?.evses as Json[] | undefined) ?? []).find((x) => x.uid === session.evse_uid);
    const connector = ((evse?.connectors as Json[] | undefined) ?? []).find((c) => c.id === session.connector_id);
    const id = Array.isArray(connector?.tariff_ids) ? connector.tariff_ids[0] : undefined;
    return typeof id === 'string' ? (await this.objects.get('tariffs', this.own.get(), id, '', tx))?.data : undefined;
  }
}
