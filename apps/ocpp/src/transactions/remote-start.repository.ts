import { returnedRows } from '@cpo/platform';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * How long after a remote start was requested its StartTransaction may still come once our timeout
 * has passed: chargers' ConnectionTimeOut is minutes at most; a start later than that is the tag's
 * own session, not the one the remote start asked for.
 */
const LATE_START_WINDOW_S = 600;

/** A remote start that reached a final state, as `ocpp.remote-start.settled` publishes it (remote-start-events.ts). */
export interface SettledRemoteStart {
  id: number;
  stationId: string;
  connectorId: number | null;
  idTag: string;
  status: 'Started' | 'Rejected' | 'Failed' | 'TimedOut';
  transactionId: number | null;
  requestedAt: Date;
  settledAt: Date;
  /** `TimedOut` when a late StartTransaction revised it to `Started`. */
  previousStatus?: 'TimedOut';
}

/** What the settling UPDATEs return: the row as it now is. */
const SETTLED = `RETURNING r.id, r.station_id, r.connector_id, r.id_tag, r.status, r.transaction_id, r.requested_at, r.settled_at`;

function settledRow(r: Record<string, unknown>, previousStatus?: 'TimedOut'): SettledRemoteStart {
  return {
    id: Number(r['id']),
    stationId: r['station_id'] as string,
    connectorId: r['connector_id'] === null ? null : Number(r['connector_id']),
    idTag: r['id_tag'] as string,
    status: r['status'] as SettledRemoteStart['status'],
    transactionId: r['transaction_id'] === null ? null : Number(r['transaction_id']),
    requestedAt: r['requested_at'] as Date,
    settledAt: r['settled_at'] as Date,
    ...(previousStatus ? { previousStatus } : {}),
  };
}

/**
 * Remote starts and their outcome (SQL only). The methods that settle one take the caller's
 * transaction and return what they settled, so its event is enqueued in that same transaction.
 */
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
  async answered(tx: EntityManager, id: number, accepted: boolean): Promise<SettledRemoteStart | undefined> {
    const rows = returnedRows<Record<string, unknown>>(await tx.query(
      `UPDATE remote_starts r SET status = $2, settled_at = CASE WHEN $2 = 'Rejected' THEN now() ELSE settled_at END
       -- Only from Requested: a concurrent StartTransaction may have made it Started meanwhile.
       WHERE id = $1 AND status = 'Requested'
       ${SETTLED}`,
      [id, accepted ? 'Accepted' : 'Rejected'],
    ));
    // Accepted only means "will try": not settled yet.
    return rows[0] && rows[0]['status'] === 'Rejected' ? settledRow(rows[0]) : undefined;
  }

  /**
   * The request recorded as `id` got no CallResult and the charger cannot have acted on it (a
   * CallError, or never sent): it is `Failed`, not left to time out as if accepted.
   */
  async failed(tx: EntityManager, id: number): Promise<SettledRemoteStart | undefined> {
    const rows = returnedRows<Record<string, unknown>>(await tx.query(`UPDATE remote_starts r SET status = 'Failed', settled_at = now() WHERE id = $1 AND status = 'Requested' ${SETTLED}`, [id]));
    return rows[0] && settledRow(rows[0]);
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
   * Returns the remote start it linked (one that had timed out with `previousStatus`), if any.
   */
  async started(tx: EntityManager, stationId: string, connectorId: number, idTag: string, transactionId: number, startedAt: Date, clockSkewS: number): Promise<SettledRemoteStart | undefined> {
    const params = [stationId, connectorId, idTag, transactionId, startedAt, clockSkewS];
    const link = (statuses: string, since: string) =>
      tx.query(
        `UPDATE remote_starts r SET status = 'Started', transaction_id = $4, settled_at = now()
         WHERE id = (SELECT id FROM remote_starts WHERE station_id = $1 AND lower(id_tag) = lower($3) AND status IN ${statuses} AND (connector_id IS NULL OR connector_id = $2)
                       AND requested_at <= $5::timestamptz + make_interval(secs => $6)${since}
                     ORDER BY requested_at DESC LIMIT 1)
           AND status IN ${statuses}
         ${SETTLED}`,
        params,
      );
    const open = returnedRows<Record<string, unknown>>(await link(`('Requested', 'Accepted')`, ''));
    if (open[0]) return settledRow(open[0]);
    // Apart, so the usual lookup keeps its partial index; this one reads the station's recent requests (`remote_starts_station`).
    const late = returnedRows<Record<string, unknown>>(await link(`('TimedOut')`, ` AND requested_at >= $5::timestamptz - make_interval(secs => ${LATE_START_WINDOW_S})`));
    return late[0] && settledRow(late[0], 'TimedOut');
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
  async expire(tx: EntityManager, timeoutS: number): Promise<(SettledRemoteStart & { answered: boolean })[]> {
    // `answered`: the charger had said Accepted (a Requested one never got an answer: timeout, lost link).
    const rows = returnedRows<Record<string, unknown>>(await tx.query(
      `UPDATE remote_starts r SET status = 'TimedOut', settled_at = now()
         FROM (SELECT id, status = 'Accepted' AS answered FROM remote_starts WHERE status IN ('Requested', 'Accepted') AND requested_at < now() - make_interval(secs => $1) FOR UPDATE) o
        WHERE r.id = o.id AND r.status IN ('Requested', 'Accepted')
       ${SETTLED}, o.answered`,
      [timeoutS],
    ));
    return rows.map((r) => ({ ...settledRow(r), answered: r['answered'] === true }));
  }
}
