import { Injectable } from '@nestjs/common';
import type { OcpiCommandRequested, OcpiParty } from '@cpo/contracts';
import { returnedRows } from '@cpo/platform';
import { DataSource, type EntityManager } from 'typeorm';
import { LIVE_RESERVATION_STATUSES } from '../reservations/reservation.repository.js';
import { ocpiReservationIdOf } from './ocpi-command.mapping.js';

/** The requester as stored: upper-cased (OCPI compares party ids without case), null for none. */
function requesterColumns(requester: OcpiParty | undefined): [string | null, string | null] {
  return requester ? [requester.countryCode.toUpperCase(), requester.partyId.toUpperCase()] : [null, null];
}

/** OCPI commands for our chargers and their outcome (SQL only). */
@Injectable()
export class OcpiCommandRepository {
  constructor(private readonly db: DataSource) {}

  async record(tx: EntityManager, c: OcpiCommandRequested): Promise<void> {
    const ocpiReservation = ocpiReservationIdOf(c.parameters) ?? null;
    await tx.query(
      `INSERT INTO ocpi_commands (command_id, type, station_id, request, ocpi_reservation_id, emsp_country_code, emsp_party_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (command_id) DO NOTHING`,
      [c.commandId, c.type, c.stationId, JSON.stringify(c), ocpiReservation, ...requesterColumns(c.requester)],
    );
  }

  async setReservation(commandId: string, reservationId: number): Promise<void> {
    await this.db.query(`UPDATE ocpi_commands SET reservation_id = $2 WHERE command_id = $1`, [commandId, reservationId]);
  }

  /**
   * Our reservation id behind an OCPI reservation id of one eMSP at a station (its latest
   * RESERVE_NOW for it). OCPI reservation ids are unique per eMSP only: another eMSP's reservation
   * with the same id is not this one. A command without a requester (from a hub before it sent one)
   * matches only reservations recorded without one: an unknown party is no party to match with.
   * Reservations recorded before the hub sent requesters match any eMSP's command, as they did then:
   * otherwise none could be cancelled after the upgrade and each would block its connector until it
   * expired (they are short-lived, so this ends with them).
   */
  async reservationFor(stationId: string, ocpiReservationId: string, requester: OcpiParty | undefined): Promise<number | undefined> {
    const rows: { reservation_id: number }[] = await this.db.query(
      `SELECT reservation_id FROM ocpi_commands WHERE station_id = $1 AND ocpi_reservation_id = $2 AND type = 'RESERVE_NOW' AND reservation_id IS NOT NULL
         AND (emsp_country_code IS NULL OR (emsp_country_code = $3 AND emsp_party_id = $4))
       ORDER BY received_at DESC LIMIT 1`,
      [stationId, ocpiReservationId, ...requesterColumns(requester)],
    );
    return rows[0]?.reservation_id;
  }

  /**
   * The eMSP's reservations with this OCPI id still live at stations other than `stationId` (the
   * OCPP reservations its RESERVE_NOWs made there, matched as in reservationFor): a RESERVE_NOW
   * reusing the id at another station replaces them, and the hub routes a cancel only to the new one.
   */
  async liveReservationsElsewhere(stationId: string, ocpiReservationId: string, requester: OcpiParty | undefined): Promise<{ stationId: string; reservationId: number }[]> {
    const rows: { station_id: string; reservation_id: number }[] = await this.db.query(
      `SELECT DISTINCT c.station_id, c.reservation_id FROM ocpi_commands c
         JOIN reservations r ON r.reservation_id = c.reservation_id AND r.station_id = c.station_id
       WHERE c.station_id <> $1 AND c.ocpi_reservation_id = $2 AND c.type = 'RESERVE_NOW'
         AND (c.emsp_country_code IS NULL OR (c.emsp_country_code = $3 AND c.emsp_party_id = $4))
         AND r.status = ANY($5) AND r.expiry_date > now()`,
      [stationId, ocpiReservationId, ...requesterColumns(requester), [...LIVE_RESERVATION_STATUSES]],
    );
    return rows.map((r) => ({ stationId: r.station_id, reservationId: r.reservation_id }));
  }

  /** The connector (≥ 1) of the eMSP's reservation with this OCPI id still live at the station; none for a station-wide one. */
  async reservedConnector(stationId: string, ocpiReservationId: string, requester: OcpiParty | undefined): Promise<number | undefined> {
    const rows: { connector_id: number }[] = await this.db.query(
      `SELECT r.connector_id FROM ocpi_commands c
         JOIN reservations r ON r.reservation_id = c.reservation_id AND r.station_id = c.station_id
       WHERE c.station_id = $1 AND c.ocpi_reservation_id = $2 AND c.type = 'RESERVE_NOW'
         AND (c.emsp_country_code IS NULL OR (c.emsp_country_code = $3 AND c.emsp_party_id = $4))
         AND r.status = ANY($5) AND r.expiry_date > now() AND r.connector_id > 0
       ORDER BY c.received_at DESC LIMIT 1`,
      [stationId, ocpiReservationId, ...requesterColumns(requester), [...LIVE_RESERVATION_STATUSES]],
    );
    return rows[0]?.connector_id;
  }

  /** Commands still pending `olderThanS` after they were received, oldest first. */
  async pendingOlderThan(olderThanS: number, limit: number): Promise<string[]> {
    const rows: { command_id: string }[] = await this.db.query(
      `SELECT command_id FROM ocpi_commands WHERE status = 'pending' AND received_at < now() - make_interval(secs => $1) ORDER BY received_at LIMIT $2`,
      [olderThanS, limit],
    );
    return rows.map((r) => r.command_id);
  }

  /** Settles a pending command once; false when it was settled already (a redelivery). */
  async settle(tx: EntityManager, commandId: string, result: string, detail: string | undefined): Promise<boolean> {
    const rows = returnedRows(
      await tx.query(`UPDATE ocpi_commands SET status = 'settled', result = $2, detail = $3, settled_at = now() WHERE command_id = $1 AND status = 'pending' RETURNING 1`, [
        commandId,
        result,
        detail ?? null,
      ]),
    );
    return rows.length > 0;
  }
}
