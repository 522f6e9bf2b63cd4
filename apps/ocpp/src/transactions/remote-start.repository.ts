import { returnedRows } from '@cpo/platform';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * How long after a remote start was requested its StartTransaction may still come once our timeout
 * has passed, for a station that reported no ConnectionTimeOut: chargers wait minutes at most; a
 * start later than that is the tag's own session, not the one the remote start asked for.
 */
const LATE_START_WINDOW_S = 600;

/**
 * Added to a reported ConnectionTimeOut: the charger starts waiting when it accepts (after our
 * `requested_at`, by the answer's latency), and the start is stamped by its clock, which Heartbeat
 * answers keep within seconds of ours. Not REMOTE_START_CLOCK_SKEW_S (10 min, the lower bound's
 * margin for a clock running behind): that would make every ConnectionTimeOut as wide as the cap.
 */
const LATE_START_MARGIN_S = 60;

/**
 * The station's ConnectionTimeOut (OCPP 1.6 §9.1.7, seconds; the key a CiString, matched in any
 * case) plus the margin, capped at the window; the window when it reported none, or no positive
 * number (a charger's value, not ours to trust).
 */
const LATE_START_BOUND_S = `COALESCE(LEAST(${LATE_START_WINDOW_S}, (
    SELECT min(NULLIF(CASE WHEN e.value->>'value' ~ '^\\s*[0-9]{1,6}\\s*$' THEN trim(e.value->>'value')::int END, 0)) + ${LATE_START_MARGIN_S}
      FROM stations s, jsonb_each(CASE WHEN jsonb_typeof(s.configuration) = 'object' THEN s.configuration ELSE '{}'::jsonb END) e
     WHERE s.id = $1 AND lower(e.key) = 'connectiontimeout')), ${LATE_START_WINDOW_S})`;

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
   * else the latest one that timed out while the charger may still have waited for the cable: our
   * timeout is one setting for every charger, while a charger waits as long as its own
   * ConnectionTimeOut, and a driver who plugged in after ours ran out still started the session the
   * remote start asked for (it reads `Started`, not `TimedOut`, with its transaction). A start after
   * the charger's ConnectionTimeOut (`LATE_START_BOUND_S`) is a new session the driver started with
   * the card. A timed-out one never answered is linked too: one whose call failed before reaching
   * the charger is `Failed`, so a `TimedOut` one went out and its answer may be what was lost (a
   * dropped link); a start of its tag at its station within ConnectionTimeOut is its session.
   * The tag is compared without case (IdToken is a CiString): a charger may report `04a2b3c4` for a
   * remote start of `04A2B3C4`. A start stamped before the request (beyond `clockSkewS` of a charger
   * clock running behind) is not one it caused: a session queued offline and delivered after the
   * request (OCPP 1.6 §3.7) must not take its link.
   * One statement, as most starts (card sessions) match nothing: `LIMIT 1` over the `UNION ALL`
   * runs the late lookup (`remote_starts_station`) only when the open one (`remote_starts_open`, a
   * handful of rows per station) found none, and reads the station's ConnectionTimeOut only for a
   * candidate. (One `ORDER BY open DESC` over both reads both indexes every time.) `FOR UPDATE`
   * reads the row as it is once locked: one the tracker expired meanwhile is linked as `TimedOut`.
   * Returns the remote start it linked (one that had timed out with `previousStatus`), if any.
   */
  async started(tx: EntityManager, stationId: string, connectorId: number, idTag: string, transactionId: number, startedAt: Date, clockSkewS: number): Promise<SettledRemoteStart | undefined> {
    const ofStart = `station_id = $1 AND lower(id_tag) = lower($3) AND (connector_id IS NULL OR connector_id = $2) AND requested_at <= $5::timestamptz + make_interval(secs => $6)`;
    const rows = returnedRows<Record<string, unknown>>(await tx.query(
      `WITH target AS (
         SELECT id, status FROM remote_starts WHERE id = (
           (SELECT id FROM remote_starts WHERE ${ofStart} AND status IN ('Requested', 'Accepted') ORDER BY requested_at DESC LIMIT 1)
           UNION ALL
           -- The latest is the one nearest the start: if it is past the station's bound, so is every older one.
           (SELECT l.id FROM (SELECT id, requested_at FROM remote_starts WHERE ${ofStart} AND status = 'TimedOut'
                                AND requested_at >= $5::timestamptz - make_interval(secs => ${LATE_START_WINDOW_S}) ORDER BY requested_at DESC LIMIT 1) l
             WHERE l.requested_at >= $5::timestamptz - make_interval(secs => ${LATE_START_BOUND_S}))
           LIMIT 1)
         FOR UPDATE)
       UPDATE remote_starts r SET status = 'Started', transaction_id = $4, settled_at = now()
         FROM target t WHERE r.id = t.id AND t.status IN ('Requested', 'Accepted', 'TimedOut')
       ${SETTLED}, t.status AS previous_status`,
      [stationId, connectorId, idTag, transactionId, startedAt, clockSkewS],
    ));
    return rows[0] && settledRow(rows[0], rows[0]['previous_status'] === 'TimedOut' ? 'TimedOut' : undefined);
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
