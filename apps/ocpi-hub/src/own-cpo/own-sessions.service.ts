import { Inject, Injectable } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import { endpointUrl, parseDateTime, partyKey, type PartyRef } from '@cpo/ocpi-protocol';
import type { OcppTransactionStarted, OcppTransactionStopped } from '@cpo/contracts';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { HUB_CONFIG, type OcpiHubConfig } from '../config.js';
import { ObjectsRepository } from '../objects/objects.repository.js';
import { PartnerClient } from '../outbound/partner-client.js';
import { partnerToken } from '../outbound/partner-token.js';
import { isRegistered } from '../partners/partner.types.js';
import { PartnersRepository } from '../partners/partners.repository.js';
import { TokenVault } from '../partners/token-vault.js';
import { TokenRoutesRepository } from '../tokens/token-routes.repository.js';
import { ocpiDateTime } from './evse-status.js';
import { OwnPartyService } from './own-party.service.js';

type Json = Record<string, unknown>;

/** A Session change to deliver to one eMSP after the consumer's commit. */
export interface SessionDelivery {
  emsp: PartyRef;
  sessionId: string;
  method: 'PUT' | 'PATCH';
  body: Json;
  correlationId: string;
}

/**
 * Roaming Sessions on the own chargers, from `ocpp.transaction.*`: a transaction whose idTag was
 * authorised by an eMSP through the hub (remembered route) becomes a 2.2.1 Session for that eMSP
 * only (never broadcast), kept in the cache; the stop completes it with the energy delivered.
 */
@Injectable()
export class OwnSessionsService {
  constructor(
    private readonly objects: ObjectsRepository,
    private readonly routes: TokenRoutesRepository,
    private readonly partners: PartnersRepository,
    private readonly client: PartnerClient,
    private readonly vault: TokenVault,
    private readonly own: OwnPartyService,
    @Inject(HUB_CONFIG) private readonly config: OcpiHubConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async started(tx: EntityManager, e: OcppTransactionStarted, correlationId: string): Promise<SessionDelivery | undefined> {
    const party = this.own.get();
    const route = await this.routes.find(party, e.idTag, 'RFID');
    const mapped: { location_id: string; evse_uid: string }[] = await tx.query(`SELECT location_id, evse_uid FROM ocpi_own_evse WHERE station_id = $1 AND connector_id = $2`, [e.stationId, e.connectorId]);
    if (!route || mapped.length === 0) return undefined;
    const { location_id: locationId, evse_uid: evseUid } = mapped[0];
    const location = await this.objects.get('locations', party, locationId, '', tx);
    const evse = ((location?.data.evses as Json[] | undefined) ?? []).find((x) => x.uid === evseUid);
    const connectorId = String(((evse?.connectors as Json[] | undefined) ?? [])[0]?.id ?? e.connectorId);
    const sessionId = String(e.transactionId);
    const at = ocpiDateTime(e.startedAt);
    const body: Json = {
      country_code: party.countryCode,
      party_id: party.partyId,
      id: sessionId,
      start_date_time: at,
      kwh: 0,
      cdr_token: { uid: e.idTag, type: 'RFID', contract_id: e.idTag },
      auth_method: 'AUTH_REQUEST',
      ...(route.authorizationReference ? { authorization_reference: route.authorizationReference } : {}),
      location_id: locationId,
      evse_uid: evseUid,
      connector_id: connectorId,
      currency: this.config.OCPI_OWN_CURRENCY,
      status: 'ACTIVE',
      last_updated: at,
    };
    await this.objects.upsert(tx, { module: 'sessions', countryCode: party.countryCode, partyId: party.partyId, objectId: sessionId, objectType: '', data: body, sourceVersion: '2.2.1', audience: partyKey(route.emsp) }, parseDateTime(at)!);
    await tx.query(
      `INSERT INTO ocpi_own_session (transaction_id, session_id, meter_start_wh, emsp_country_code, emsp_party_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (transaction_id) DO NOTHING`,
      [e.transactionId, sessionId, e.meterStartWh, route.emsp.countryCode, route.emsp.partyId],
    );
    return { emsp: route.emsp, sessionId, method: 'PUT', body, correlationId };
  }

  async stopped(tx: EntityManager, e: OcppTransactionStopped, correlationId: string): Promise<SessionDelivery | undefined> {
    const rows: { session_id: string; meter_start_wh: number; emsp_country_code: string; emsp_party_id: string }[] = await tx.query(`SELECT * FROM ocpi_own_session WHERE transaction_id = $1`, [e.transactionId]);
    if (rows.length === 0) return undefined;
    const party = this.own.get();
    const cached = await this.objects.get('sessions', party, rows[0].session_id, '', tx, true);
    if (!cached || cached.data.status === 'COMPLETED') return undefined;
    const at = ocpiDateTime(e.stoppedAt);
    const patch: Json = { status: 'COMPLETED', end_date_time: at, kwh: Math.max(0, e.meterStopWh - rows[0].meter_start_wh) / 1000, last_updated: at };
    await this.objects.upsert(tx, { ...cached, data: { ...cached.data, ...patch } }, parseDateTime(at)!);
    return { emsp: { countryCode: rows[0].emsp_country_code, partyId: rows[0].emsp_party_id }, sessionId: rows[0].session_id, method: 'PATCH', body: patch, correlationId };
  }

  /** Sends the change to the eMSP's Sessions receiver (2.2.1 only: 2.1.1 Sessions have another shape). */
  async deliver(d: SessionDelivery): Promise<void> {
    const emsp = await this.partners.findParty(d.emsp.countryCode, d.emsp.partyId, 'EMSP');
    const conn = emsp && (await this.partners.findConnection(emsp.connectionId));
    if (!conn || !isRegistered(conn) || conn.status !== 'CONNECTED') return;
    const base = endpointUrl(conn.endpoints, 'sessions', 'RECEIVER');
    if (conn.version !== '2.2.1' || !base) {
      this.logger.warn({ partner: conn.name, sessionId: d.sessionId }, 'own session not delivered: partner has no 2.2.1 sessions receiver');
      return;
    }
    const party = this.own.get();
    await this.client.call({
      connectionId: conn.id,
      partner: conn.name,
      module: 'sessions',
      method: d.method,
      url: `${base.replace(/\/$/, '')}/${party.countryCode}/${party.partyId}/${encodeURIComponent(d.sessionId)}`,
      ...partnerToken(this.vault, conn),
      body: d.body,
      correlationId: d.correlationId,
      to: d.emsp,
      from: party,
    });
  }
}
