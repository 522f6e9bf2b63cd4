import { returnedRows } from '@cpo/platform';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * How long after a remote start was requested its StartTransaction may still come once our timeout
 * has passed: chargers' ConnectionTimeOut is minutes at most; a start later than that is the tag's
 * own session, not the one the remote start asked for.
 */
const LATE_START_WINDOW_S = 600;

/** Remote starts and their outcome (SQL only). */
@Injectable()
export class RemoteStartRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Recorded before the call goes out: the StartTransaction may arrive before we have read the answer.
   * Returns the row's id, which the answer (or failure) of this very request settles.
   */
  async requested(stationId: string, connectorId: number | undefined, idTag: string): Promise<number> {
    const rows = returnedRows<{ id: string | number }>(await this.db.query(
      `INSERT INTO remote_starts (station_id, connector_id, id_tag, status) VALUES ($1, $2, $3, 'Requested') RETURNING id`,
      [stationId, connectorId ?? null, idTag],
    ));
    return Number(rows[0]!.id);
  }

  /**
   * The charger's answer to the request recorded as `id`; a remote start already linked to its
   * transaction stays `Started`. By id, not "the tag's latest open one": two requests of one tag in
   * flight at once (an app's double tap, one per connector) each take their own answer.
   */
  async answered(id: number, accepted: boolean): Promise<void> {
    await this.db.query(
      `UPDATE remote_starts SET status = $2, settled_at = CASE WHEN $2 = 'Rejected' THEN now() ELSE settled_at END
       -- Only from Requested: a concurrent StartTransaction may have made it Started meanwhile.
       WHERE id = $1 AND status = 'Requested'`,
      [id, accepted ? 'Accepted' : 'Rejected'],
    );
  }

  /**
   * The request recorded as `id` got no CallResult and the charger cannot have acted on it (a
   * CallError, or never sent): it is `Failed`, not left to time out as if accepted.
   */
  async failed(id: number): Promise<void> {
    await this.db.query(`UPDATE remote_starts SET status = 'Failed', settled_at = now() WHERE id = $1 AND status = 'Requested'`, [id]);
  }

  /**
   * Links the most recent open remote start for this tag (and connector, when the request named one),
   * else the latest one that timed out within `LATE_START_WINDOW_S` before the start: our timeout is
   * one setting for every charger, while a charger waits for the cable as long as its own
   * ConnectionTimeOut, and a driver who plugged in after ours ran out still started the session
   * the remote start asked for (it reads `Started`, not `TimedOut`, with its transaction).
   * The tag is compared without case (IdToken is a CiString): a charger may report `04a2b3c4` for a
   * remote start of `04A2B3C4`. `remote_starts_open` still serves the lookup by its `station_id`
   * prefix: it holds only open remote starts, a handful per station. A start stamped before the
   * request (beyond `clockSkewS` of a charger clock running behind) is not one it caused: a session
   * queued offline and delivered after the request (OCPP 1.6 §3.7) must not take its link.
   */
  async started(tx: EntityManager, stationId: string, connectorId: number, idTag: string, transactionId: number, startedAt: Date, clockSkewS: number): Promise<boolean> {
    const params = [stationId, connectorId, idTag, transactionId, startedAt, clockSkewS];
    const link = (statuses: string, since: string) =>
      tx.query(
        `UPDATE remote_starts SET status = 'Started', transaction_id = $4, settled_at = now()
         WHERE id = (SELECT id FROM remote_starts WHERE station_id = $1 AND lower(id_tag) = lower($3) AND status IN ${statuses} AND (connector_id IS NULL OR connector_id = $2)
                       AND requested_at <= $5::timestamptz + make_interval(secs => $6)${since}
                     ORDER BY requested_at DESC LIMIT 1)
           AND status IN ${statuses}
         RETURNING id`,
        params,
      );
    if (returnedRows(await link(`('Requested', 'Accepted')`, '')).length > 0) return true;
    // Apart, so the usual lookup keeps its partial index; this one reads the station's recent requests (`remote_starts_station`).
    return returnedRows(await link(`('TimedOut')`, ` AND requested_at >= $5::timestamptz - make_interval(secs => ${LATE_START_WINDOW_S})`)).length > 0;
  }

  /** Whether a remote start of the tag (any case) at the station is still open (requested, or accepted and its StartTransaction to come). */
  async openFor(stationId: string, idTag: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM remote_starts WHERE station_id = $1 AND lower(id_tag) = lower($2) AND status IN ('Requested', 'Accepted') LIMIT 1`,
      [stationId, idTag],
    );
    return rows.length > 0;
  }

  /** Marks remote starts that led to no transaction within `timeoutS` as timed out; returns them. */
  async expire(timeoutS: number): Promise<{ stationId: string; idTag: string; answered: boolean }[]> {
    // `answered`: the charger had said Accepted (a Requested one never got an answer: timeout, lost link).
    const rows = returnedRows<{ station_id: string; id_tag: string; answered: boolean }>(await this.db.query(
      `UPDATE remote_starts r SET status = 'TimedOut', settled_at = now()
         FROM (SELECT id, status = 'Accepted' AS answered FROM remote_starts WHERE status IN ('Requested', 'Accepted') AND requested_at < now() - make_interval(secs => $1) FOR UPDATE) o
        WHERE r.id = o.id AND r.status IN ('Requested', 'Accepted')
       RETURNING r.station_id, r.id_tag, o.answered`,
      [timeoutS],
    ));
    return rows.map((r) => ({ stationId: r.station_id, idTag: r.id_tag, answered: r.answered }));
  }
}
