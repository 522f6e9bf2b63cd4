import { Inject, Injectable } from '@nestjs/common';
import { parseDateTime, partyKey } from '@cpo/ocpi-protocol';
import type { OcppMeterSampled, OcppTransactionStarted, OcppTransactionStopped } from '@cpo/contracts';
import type { EntityManager } from 'typeorm';
import { HUB_CONFIG, type OcpiHubConfig } from '../config.js';
import { ObjectsRepository } from '../objects/objects.repository.js';
import { TokenRoutesRepository } from '../tokens/token-routes.repository.js';
import { commandCredit } from './command-credit.js';
import { ocpiDateTime } from './evse-status.js';
import type { OwnDelivery } from './own-delivery.service.js';
import { OwnEarlyStopsRepository } from './own-early-stops.repository.js';
import { OwnPartyService } from './own-party.service.js';
import { processedAt } from './processed-at.js';
import { emspOf, OwnSettlementService, type OwnSessionRow } from './own-settlement.service.js';
import { currentA } from './usage-periods.js';

type Json = Record<string, unknown>;

/** The energy register in Wh from one MeterValue (the phase-less Energy.Active.Import.Register). */
export function registerWh(e: OcppMeterSampled): number | undefined {
  const sample = e.samples.find((x) => x.measurand === 'Energy.Active.Import.Register' && !x.phase && (x.unit === 'Wh' || x.unit === 'kWh'));
  return sample ? (sample.unit === 'kWh' ? sample.value * 1000 : sample.value) : undefined;
}

/**
 * Roaming Sessions on the own chargers, from `ocpp.transaction.*` and `ocpp.meter.sampled`: a
 * transaction whose idTag was authorised by an eMSP through the hub, or whose START_SESSION an eMSP
 * sent through the hub (remembered route, found by the session's reference, else the token), becomes a
 * Session for that eMSP only (never broadcast), kept in the cache in 2.2.1 shape (with the
 * session's `authorization_reference`, which the CDR copies; 2.1.1 has none, see the shaper); meter values
 * update its `kwh` and are kept as readings; the stop completes it and makes the CDR (see
 * OwnSettlementService). A stop handled before its start (separate consumers) is kept, and settled by
 * the start that makes the Session.
 */
@Injectable()
export class OwnSessionsService {
  constructor(
    private readonly objects: ObjectsRepository,
    private readonly routes: TokenRoutesRepository,
    private readonly own: OwnPartyService,
    private readonly settlement: OwnSettlementService,
    private readonly earlyStops: OwnEarlyStopsRepository,
    @Inject(HUB_CONFIG) private readonly config: OcpiHubConfig,
  ) {}

  /** `receivedAt`: when ocpp recorded the start (the event's `occurredAt`), which bounds the charger's stamp (commandCredit). */
  async started(tx: EntityManager, e: OcppTransactionStarted & { idTag: string }, correlationId: string, receivedAt?: string): Promise<OwnDelivery[]> {
    const party = this.own.get();
    // The eMSP that authorised the token (real-time) or sent the START_SESSION (which ocpp accepts
    // without asking the hub), found by the session's reference first, then by the token.
    const route = await this.routes.forSession(party, e.idTag, e.authorizationReference, tx);
    const mapped: { location_id: string; evse_uid: string }[] = await tx.query(`SELECT location_id, evse_uid FROM ocpi_own_evse WHERE station_id = $1 AND connector_id = $2`, [e.stationId, e.connectorId]);
    if (!route || mapped.length === 0) return [];
    await this.earlyStops.lock(tx, e.transactionId);
    const sessionId = String(e.transactionId);
    const created: unknown[] = await tx.query(
      `INSERT INTO ocpi_own_session (transaction_id, session_id, meter_start_wh, emsp_country_code, emsp_party_id, station_id) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (transaction_id) DO NOTHING RETURNING transaction_id`,
      [e.transactionId, sessionId, e.meterStartWh, route.emsp.countryCode, route.emsp.partyId, e.stationId],
    );
    // A start ocpp published again: its Session was made and sent the first time, and may be
    // completed since; sending it again as ACTIVE would reopen it at the eMSP.
    if (created.length === 0) return [];
    // A START_SESSION's route (one per uid and type) replaces the card's real-time authorisation's,
    // but the command started one transaction only: a later session of the token (a local-list or
    // cached card) is still the route's eMSP's, not a COMMAND session.
    const credit = commandCredit(route, { transactionId: e.transactionId, startedAt: e.startedAt, reference: e.authorizationReference, receivedAt });
    if (credit === 'window') await this.routes.claimCommand(party, e.idTag, route.tokenType, e.transactionId, tx);
    const { location_id: locationId, evse_uid: evseUid } = mapped[0];
    const location = await this.objects.get('locations', party, locationId, '', tx);
    const evse = ((location?.data.evses as Json[] | undefined) ?? []).find((x) => x.uid === evseUid);
    const connectorId = String(((evse?.connectors as Json[] | undefined) ?? [])[0]?.id ?? e.connectorId);
    const at = ocpiDateTime(e.startedAt);
    // Only the session's own reference (its START_SESSION's or its authorisation's, kept by ocpp with
    // the transaction). Not the token route's: that is the token's latest authorisation, and a
    // session started without one (a local-list card) would echo an earlier session's reference. An
    // ocpp release that does not publish the field yet gives sessions without one meanwhile.
    const reference = e.authorizationReference;
    const body: Json = {
      country_code: party.countryCode,
      party_id: party.partyId,
      id: sessionId,
      start_date_time: at,
      kwh: 0,
      // The token as the eMSP named it in its START_SESSION or its authorisation (AuthorizationInfo token or
      // cached Token); the uid as contract id when neither named one.
      // OCPI 2.2.1 CdrToken also names the eMSP owning the token (country_code, party_id: required).
      cdr_token: { country_code: route.emsp.countryCode, party_id: route.emsp.partyId, uid: e.idTag, type: route.tokenType, contract_id: route.contractId ?? e.idTag },
      auth_method: credit ? 'COMMAND' : 'AUTH_REQUEST',
      ...(reference ? { authorization_reference: reference } : {}),
      location_id: locationId,
      evse_uid: evseUid,
      connector_id: connectorId,
      currency: this.config.OCPI_OWN_CURRENCY,
      status: 'ACTIVE',
      last_updated: processedAt(),
    };
    await this.objects.upsert(tx, { module: 'sessions', countryCode: party.countryCode, partyId: party.partyId, objectId: sessionId, objectType: '', data: body, sourceVersion: '2.2.1', audience: partyKey(route.emsp) }, parseDateTime(String(body.last_updated))!);
    const put: OwnDelivery = { emsp: route.emsp, module: 'sessions', method: 'PUT', objectId: sessionId, body, correlationId };
    // Its stop, handled first, settles it now: delivered after the PUT, with the stop's correlation id.
    const early = await this.earlyStops.claim(tx, e.transactionId);
    if (!early) return [put];
    const row: OwnSessionRow = { session_id: sessionId, meter_start_wh: e.meterStartWh, emsp_country_code: route.emsp.countryCode, emsp_party_id: route.emsp.partyId };
    return [put, ...(await this.settlement.settle(tx, row, early.stop, early.correlationId))];
  }

  /** A meter value during the session: the energy so far, when it grew (same values are not re-sent). */
  async metered(tx: EntityManager, e: OcppMeterSampled, correlationId: string): Promise<OwnDelivery[]> {
    const wh = registerWh(e);
    if (e.transactionId === undefined || wh === undefined) return [];
    const row = await this.row(tx, e.transactionId);
    if (!row) return [];
    const at = ocpiDateTime(e.timestamp);
    const party = this.own.get();
    const cached = await this.objects.get('sessions', party, row.session_id, '', tx, true);
    if (!cached || cached.data.status !== 'ACTIVE') return [];
    // The charger's time of the latest reading so far (last_updated is the hub's, see processedAt).
    const [latest]: { at: Date | null }[] = await tx.query(`SELECT max(at) AS at FROM ocpi_own_session_meter WHERE transaction_id = $1`, [e.transactionId]);
    // Every reading of an open session is kept until the stop (late ones too): the CDR is priced per interval.
    await tx.query(`INSERT INTO ocpi_own_session_meter (transaction_id, at, wh, current_a) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [e.transactionId, at, wh, currentA(e) ?? null]);
    const kwh = Math.max(0, wh - row.meter_start_wh) / 1000;
    // A late or repeated sample must not move the session backwards (nor bump its last_updated).
    const after = Math.max(Date.parse(String(cached.data.start_date_time)), latest?.at ? new Date(latest.at).getTime() : Number.NEGATIVE_INFINITY);
    if (kwh <= Number(cached.data.kwh) || Date.parse(at) < after) return [];
    const patch: Json = { kwh, last_updated: processedAt(cached.data.last_updated) };
    await this.objects.upsert(tx, { ...cached, data: { ...cached.data, ...patch } }, parseDateTime(String(patch.last_updated))!);
    return [{ emsp: emspOf(row), module: 'sessions', method: 'PATCH', objectId: row.session_id, body: patch, correlationId }];
  }

  /**
   * Settles the session, or, when there is none yet, keeps the stop for its start: most such stops
   * are of sessions that are no roaming ones (no start will claim them) and are pruned a day later.
   */
  async stopped(tx: EntityManager, e: OcppTransactionStopped, correlationId: string): Promise<OwnDelivery[]> {
    await this.earlyStops.lock(tx, e.transactionId);
    const row = await this.row(tx, e.transactionId);
    if (row) return this.settlement.settle(tx, row, e, correlationId);
    await this.earlyStops.keep(tx, e, correlationId);
    return [];
  }

  private async row(tx: EntityManager, transactionId: number): Promise<OwnSessionRow | undefined> {
    const rows: OwnSessionRow[] = await tx.query(`SELECT * FROM ocpi_own_session WHERE transaction_id = $1`, [transactionId]);
    return rows[0];
  }
}
