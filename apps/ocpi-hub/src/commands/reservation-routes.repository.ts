import { Injectable } from '@nestjs/common';
import type { PartyRef } from '@cpo/ocpi-protocol';
import { DataSource, type EntityManager } from 'typeorm';

/** Where a reservation went: the CPO, its location/EVSE, and for own chargers the OCPP station. */
export interface ReservationRoute {
  readonly cpo: PartyRef;
  readonly locationId: string;
  readonly evseUid?: string;
  readonly stationId?: string;
  readonly connectorId?: number;
}

/** Reservation id (per eMSP) → where its RESERVE_NOW was routed, for CANCEL_RESERVATION (SQL only). */
@Injectable()
export class ReservationRoutesRepository {
  constructor(private readonly db: DataSource) {}

  /** A RESERVE_NOW with an id already in use replaces that reservation (OCPI), so its route is replaced too. */
  async remember(emsp: PartyRef, reservationId: string, route: ReservationRoute, tx: EntityManager = this.db.manager): Promise<void> {
    await tx.query(
      `INSERT INTO ocpi_reservation_route (emsp_country_code, emsp_party_id, reservation_id, cpo_country_code, cpo_party_id, location_id, evse_uid, station_id, connector_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (emsp_country_code, emsp_party_id, reservation_id) DO UPDATE SET cpo_country_code = EXCLUDED.cpo_country_code, cpo_party_id = EXCLUDED.cpo_party_id,
         location_id = EXCLUDED.location_id, evse_uid = EXCLUDED.evse_uid, station_id = EXCLUDED.station_id, connector_id = EXCLUDED.connector_id, reserved_at = now()`,
      [emsp.countryCode, emsp.partyId, reservationId, route.cpo.countryCode, route.cpo.partyId, route.locationId, route.evseUid ?? null, route.stationId ?? null, route.connectorId ?? null],
    );
  }

  async find(emsp: PartyRef, reservationId: string, tx: EntityManager = this.db.manager): Promise<ReservationRoute | undefined> {
    const rows: { cpo_country_code: string; cpo_party_id: string; location_id: string; evse_uid: string | null; station_id: string | null; connector_id: number | null }[] = await tx.query(
      `SELECT cpo_country_code, cpo_party_id, location_id, evse_uid, station_id, connector_id FROM ocpi_reservation_route
       WHERE emsp_country_code = $1 AND emsp_party_id = $2 AND reservation_id = $3`,
      [emsp.countryCode, emsp.partyId, reservationId],
    );
    const r = rows[0];
    if (!r) return undefined;
    return { cpo: { countryCode: r.cpo_country_code, partyId: r.cpo_party_id }, locationId: r.location_id, evseUid: r.evse_uid ?? undefined, stationId: r.station_id ?? undefined, connectorId: r.connector_id ?? undefined };
  }
}

/** OCPI 2.1.1 sends reservation ids as integers, 2.2.1 as strings. */
export const reservationIdOf = (body: Record<string, unknown>): string | undefined =>
  typeof body.reservation_id === 'string' || typeof body.reservation_id === 'number' ? String(body.reservation_id) : undefined;
