import { returnedRows } from '@cpo/platform';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** Remote starts and their outcome (SQL only). */
@Injectable()
export class RemoteStartRepository {
  constructor(private readonly db: DataSource) {}

  /** Recorded before the call goes out: the StartTransaction may arrive before we have read the answer. */
  async requested(stationId: string, connectorId: number | undefined, idTag: string): Promise<void> {
    await this.db.query(`INSERT INTO remote_starts (station_id, connector_id, id_tag, status) VALUES ($1, $2, $3, 'Requested')`, [stationId, connectorId ?? null, idTag]);
  }

  /** The charger's answer; a remote start already linked to its transaction stays `Started`. */
  async answered(stationId: string, idTag: string, accepted: boolean): Promise<void> {
    await this.db.query(
      `UPDATE remote_starts SET status = $3, settled_at = CASE WHEN $3 = 'Rejected' THEN now() ELSE settled_at END
       WHERE id = (SELECT id FROM remote_starts WHERE station_id = $1 AND id_tag = $2 AND status = 'Requested' ORDER BY requested_at DESC LIMIT 1)
         -- Re-checked on the row itself: a concurrent StartTransaction may have made it Started meanwhile
         -- (PostgreSQL re-evaluates only the outer condition after waiting for that row lock).
         AND status = 'Requested'`,
      [stationId, idTag, accepted ? 'Accepted' : 'Rejected'],
    );
  }

  /** Links the most recent open remote start for this tag (and connector, when the request named one). */
  async started(tx: EntityManager, stationId: string, connectorId: number, idTag: string, transactionId: number): Promise<boolean> {
    const rows = returnedRows(await tx.query(
      `UPDATE remote_starts SET status = 'Started', transaction_id = $4, settled_at = now()
       WHERE id = (SELECT id FROM remote_starts WHERE station_id = $1 AND id_tag = $3 AND status IN ('Requested', 'Accepted') AND (connector_id IS NULL OR connector_id = $2)
                   ORDER BY requested_at DESC LIMIT 1)
         AND status IN ('Requested', 'Accepted')
       RETURNING id`,
      [stationId, connectorId, idTag, transactionId],
    ));
    return rows.length > 0;
  }

  /** Marks remote starts that led to no transaction within `timeoutS` as timed out; returns them. */
  async expire(timeoutS: number): Promise<{ stationId: string; idTag: string }[]> {
    const rows = returnedRows<{ station_id: string; id_tag: string }>(await this.db.query(
      `UPDATE remote_starts SET status = 'TimedOut', settled_at = now() WHERE status IN ('Requested', 'Accepted') AND requested_at < now() - make_interval(secs => $1)
       RETURNING station_id, id_tag`,
      [timeoutS],
    ));
    return rows.map((r) => ({ stationId: r.station_id, idTag: r.id_tag }));
  }

  async forStation(stationId: string, limit: number): Promise<Record<string, unknown>[]> {
    return this.db.query(
      `SELECT id, connector_id AS "connectorId", id_tag AS "idTag", requested_at AS "requestedAt", status, transaction_id AS "transactionId", settled_at AS "settledAt"
       FROM remote_starts WHERE station_id = $1 ORDER BY requested_at DESC LIMIT $2`,
      [stationId, limit],
    );
  }
}
