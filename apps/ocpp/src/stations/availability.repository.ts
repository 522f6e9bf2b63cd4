import { Injectable } from '@nestjs/common';
import { returnedRows } from '@cpo/platform';
import { DataSource } from 'typeorm';

/** What became of a ChangeAvailability: the charger's answer, or why there is none. */
export type AvailabilityStatus = 'Accepted' | 'Scheduled' | 'Rejected' | 'Failed' | 'TimedOut';

/** ChangeAvailability requests and their answers (SQL only). */
@Injectable()
export class AvailabilityRepository {
  constructor(private readonly db: DataSource) {}

  /** Recorded before the call goes out, as remote starts are; returns the row its outcome settles. */
  async requested(stationId: string, connectorId: number, type: string): Promise<number> {
    const rows = returnedRows<{ id: string | number }>(await this.db.query(
      `INSERT INTO availability_requests (station_id, connector_id, type, status) VALUES ($1, $2, $3, 'Requested') RETURNING id`,
      [stationId, connectorId, type],
    ));
    return Number(rows[0]!.id);
  }

  /**
   * The request's outcome. A `TimedOut` one still takes the charger's answer: it came after our
   * timeout (OutboundCalls' late answers) and says what the charger did.
   */
  async settled(id: number, status: AvailabilityStatus): Promise<void> {
    await this.db.query(`UPDATE availability_requests SET status = $2, answered_at = now() WHERE id = $1 AND (status = 'Requested' OR (status = 'TimedOut' AND $2 <> 'TimedOut'))`, [id, status]);
  }

  /**
   * The connectors whose latest ChangeAvailability asked Inoperative before `before` (a replaced
   * unit's boot) and was not refused: what the operator wants of the old unit, and the new one,
   * which boots Operative, must be told again. A later request (to the new unit) decides instead.
   */
  async inoperativeBefore(stationId: string, before: Date): Promise<number[]> {
    const rows: { connector_id: number }[] = await this.db.query(
      `SELECT a.connector_id FROM (SELECT DISTINCT ON (connector_id) connector_id, type, status, requested_at FROM availability_requests WHERE station_id = $1 ORDER BY connector_id, id DESC) a
        WHERE a.type = 'Inoperative' AND a.status NOT IN ('Rejected', 'Failed') AND a.requested_at < $2 ORDER BY a.connector_id`,
      [stationId, before],
    );
    return rows.map((r) => r.connector_id);
  }
}

/**
 * The station view's `availability`: the latest ChangeAvailability per connector, and whether the
 * connector has reported the state it asked for since (`applied`; the charger reports the change as
 * a StatusNotification, for `Scheduled` once the transaction has ended). An SQL expression over
 * the station row aliased `s`.
 */
export const AVAILABILITY_VIEW_SQL = `COALESCE((SELECT json_agg(json_build_object('connectorId', a.connector_id, 'type', a.type, 'status', a.status,
    'requestedAt', to_char(a.requested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'answeredAt', to_char(a.answered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'applied', EXISTS (SELECT 1 FROM connectors c WHERE c.station_id = a.station_id AND c.connector_id = a.connector_id AND c.status_at >= a.requested_at
                         AND (c.status = 'Unavailable') = (a.type = 'Inoperative'))) ORDER BY a.connector_id)
    FROM (SELECT DISTINCT ON (connector_id) * FROM availability_requests WHERE station_id = s.id ORDER BY connector_id, id DESC) a), '[]') AS availability`;
