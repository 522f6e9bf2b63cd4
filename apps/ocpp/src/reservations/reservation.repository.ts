import { Injectable } from '@nestjs/common';
import { OutboxWriter } from '@cpo/messaging';
import { ConflictError, returnedRows } from '@cpo/platform';
import { DataSource, type EntityManager } from 'typeorm';
import { publishReservationUpdates, UPDATED_COLUMNS, updateOf } from './reservation-events.js';
import type { HeldReservation } from './reservation-match.js';
import { toRow } from './reservation-row.js';

/** What a ReserveNow asks the charger to hold under its reservationId. */
export interface ReservationTerms {
  connectorId: number;
  idTag: string;
  parentIdTag?: string;
  expiryDate: Date;
}

/**
 * Statuses of a reservation the charger may still hold: ours until it answers (`Requested`), its
 * `Accepted`, or `TimedOut` (no answer, so possibly held). Past `expiryDate` they read as `Expired`.
 */
export const LIVE_RESERVATION_STATUSES = ['Requested', 'Accepted', 'TimedOut'] as const;
export type LiveReservationStatus = (typeof LIVE_RESERVATION_STATUSES)[number];
/** The same, as the predicate of the partial unique index `reservations_live` (migration 1765700000300) spells it. */
const LIVE_SQL = `(${LIVE_RESERVATION_STATUSES.map((s) => `'${s}'`).join(', ')})`;

/**
 * The reservations a status `$3` (Faulted or Unavailable) of connector `$2` at station `$1` ends, once
 * stored (endOnInoperative): answered ones there, or the held one a `Requested` replacement stands for.
 */
const ENDED_BY_STATUS = `station_id = $1 AND EXISTS (SELECT 1 FROM connectors c WHERE c.station_id = $1 AND c.connector_id = $2 AND c.status = $3)
  AND ((($2 = 0 OR connector_id = $2) AND status IN ('Accepted', 'TimedOut') AND expiry_date > now())
    OR (status = 'Requested' AND replaced->>'status' IN ('Accepted', 'TimedOut') AND ($2 = 0 OR (replaced->>'connectorId')::int = $2)
      AND (replaced->>'expiryDate')::timestamptz > now()))`;

/** Serialises the recordings of reservations (upsertRequested): its check and insert see the same rows. */
const RECORDING_LOCK = 0x7265_7376; // "resv"

/** The ids a reservation may take: OCPP 1.6's reservationId is a 32-bit integer, and we hand out 1 up. */
const MAX_RESERVATION_ID = 2_147_483_647;
/** A live reservation holding id `$id` somewhere (the charger may hold it), by the partial unique index `reservations_live`. */
const held = (id: string) => `EXISTS (SELECT 1 FROM reservations r WHERE r.reservation_id = ${id} AND r.status IN ${LIVE_SQL})`;

/**
 * Reservations (SQL). Every status change that is an outcome (not `Requested`, not the `Expired`
 * computed on read) is published as `ocpp.reservation.updated` in the transaction that makes it.
 */
@Injectable()
export class ReservationRepository {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: OutboxWriter,
  ) {}

  /**
   * An id for a ReserveNow that names none: the next of `reservation_id_seq` (which wraps around,
   * migration 1766000007000) that no station holds (a live reservation, expired or not: the
   * charger's clock may differ). Explicit ids do not move the sequence, so any of them, up to the
   * top of the range, leaves it working; one ended is free again. Draws on, in one statement, past
   * the ids held, and fails only when every id of the range is held.
   */
  async nextId(): Promise<number> {
    const rows = (await this.db.query(
      `WITH RECURSIVE draw(id, n) AS (
         SELECT nextval('reservation_id_seq')::int, 1
         UNION ALL
         SELECT nextval('reservation_id_seq')::int, n + 1 FROM draw WHERE n < $1 AND ${held('draw.id')})
       SELECT id FROM draw WHERE NOT ${held('draw.id')} LIMIT 1`,
      [MAX_RESERVATION_ID],
    )) as { id: number }[];
    if (!rows[0]) throw new ConflictError('every reservation id is held by a reservation; cancel some first');
    return rows[0].id;
  }

  /**
   * Records a reservation about to be requested. Reusing the id of a live reservation of the same
   * station replaces it (spec §5.13), keeping the terms and status it replaces (`replaced`) until the
   * charger answers (settleRequested): a refused replacement leaves the held one in place. One
   * still `Requested` keeps what it replaced (the charger holds that, not the request in flight),
   * or nothing. One that has ended (used, cancelled, expired, refused) stays
   * as history beside the new one, also at another station: the charger holds it no more. An id
   * another station holds (live, not past its expiry) is left alone and `false` returned. An
   * explicit id leaves our sequence alone: nextId skips the ids held when it hands one out.
   */
  async upsertRequested(r: { reservationId: number; stationId: string; connectorId: number; idTag: string; parentIdTag?: string; expiryDate: Date }): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      // Serialises the recordings of one id: the check below and the insert see the same rows.
      await tx.query(`SELECT pg_advisory_xact_lock($1)`, [RECORDING_LOCK]);
      // A live reservation past its expiry has ended (it reads Expired): it becomes history, not
      // replaced, and no longer holds its id at its station.
      await tx.query(
        `UPDATE reservations SET status = 'Expired', updated_at = now() WHERE reservation_id = $1 AND status IN ${LIVE_SQL} AND expiry_date <= now()`,
        [r.reservationId],
      );
      const [elsewhere] = (await tx.query(`SELECT 1 FROM reservations WHERE reservation_id = $1 AND station_id <> $2 AND status IN ${LIVE_SQL} LIMIT 1`, [
        r.reservationId,
        r.stationId,
      ])) as unknown[];
      if (elsewhere) return false;
      await tx.query(
        `INSERT INTO reservations (reservation_id, station_id, connector_id, id_tag, parent_id_tag, expiry_date, status)
         VALUES ($1, $2, $3, $4, $5, $6, 'Requested')
         ON CONFLICT (reservation_id) WHERE status IN ${LIVE_SQL} DO UPDATE SET connector_id = EXCLUDED.connector_id, id_tag = EXCLUDED.id_tag,
           parent_id_tag = EXCLUDED.parent_id_tag, expiry_date = EXCLUDED.expiry_date, status = 'Requested', transaction_id = NULL, updated_at = now(),
           replaced = CASE WHEN reservations.status = 'Requested' THEN reservations.replaced ELSE jsonb_build_object('connectorId', reservations.connector_id,
             'idTag', reservations.id_tag, 'parentIdTag', reservations.parent_id_tag, 'expiryDate', reservations.expiry_date, 'status', reservations.status,
             'updatedAt', reservations.updated_at) END`,
        [r.reservationId, r.stationId, r.connectorId, r.idTag, r.parentIdTag ?? null, r.expiryDate],
      );
      return true;
    });
  }

  /**
   * The StartTransaction that carried the reservation id used up the station's reservation under
   * that id: the live one if any (a refused replacement of it is newer history), else the latest. One
   * reservation is used once: a later start carrying the same id (a charger bug, a reused id)
   * leaves the first session's link. Returns whether the reservation it used was live until then
   * (one the charger may have held); when not, the start may have ended another by its tag.
   */
  async markUsed(tx: EntityManager, stationId: string, reservationId: number, transactionId: number): Promise<boolean> {
    const rows = returnedRows<{ live: boolean }>(await tx.query(
      `WITH latest AS (SELECT id, status FROM reservations WHERE reservation_id = $1 AND station_id = $3 ORDER BY status = ANY($4::text[]) DESC, id DESC LIMIT 1 FOR UPDATE)
       UPDATE reservations r SET status = 'Used', transaction_id = $2, replaced = NULL, updated_at = now() FROM latest
       WHERE r.id = latest.id AND (r.status <> 'Used' OR r.transaction_id IS NULL)
       RETURNING latest.status = ANY($4::text[]) AS live, ${UPDATED_COLUMNS}`,
      [reservationId, transactionId, stationId, [...LIVE_RESERVATION_STATUSES]],
    ));
    await publishReservationUpdates(this.outbox, tx, rows.map((r) => updateOf(r as unknown as Record<string, unknown>)));
    return rows[0]?.live === true;
  }

  /**
   * The reservations the charger may hold on a connector of the station or station-wide (connector
   * 0), for a StartTransaction to match with its tag: answered `Accepted`, or `TimedOut` (possibly
   * held). A `Requested` one gets the charger's answer, which reflects the connector as the charger
   * saw it (a start it got first: Occupied); but one replacing a held reservation stands for the one
   * it replaced (`replacing`, its terms), which the charger holds until it takes the replacement: a
   * start by that tag ended it, and a refusal of the replacement must not restore it as held.
   * Locked until `tx` ends, so two starts do not both use one.
   */
  async heldOn(tx: EntityManager, stationId: string, connectorId: number): Promise<(HeldReservation & { replacing: boolean })[]> {
    const replaced = `status = 'Requested' AND replaced->>'status' IN ('Accepted', 'TimedOut')`;
    const term = (column: string, cast = '') => `CASE WHEN status = 'Requested' THEN (replaced->>'${column}')${cast} ELSE `;
    const rows: Record<string, unknown>[] = await tx.query(
      `SELECT reservation_id, ${term('connectorId', '::int')}connector_id END AS connector_id, ${term('idTag')}id_tag END AS id_tag,
         ${term('parentIdTag')}parent_id_tag END AS parent_id_tag, ${term('expiryDate', '::timestamptz')}expiry_date END AS expiry_date, created_at,
         status = 'Requested' AS replacing
       FROM reservations
       WHERE station_id = $1 AND ((status IN ('Accepted', 'TimedOut') AND connector_id IN (0, $2)) OR (${replaced} AND (replaced->>'connectorId')::int IN (0, $2)))
       ORDER BY id FOR UPDATE`,
      [stationId, connectorId],
    );
    return rows.map((r) => {
      const { reservationId, connectorId: reserved, idTag, parentIdTag, expiryDate, createdAt } = toRow(r);
      return { reservationId, connectorId: reserved, idTag, parentIdTag, expiryDate, createdAt, replacing: r['replacing'] === true };
    });
  }

  /**
   * A start by its tag used the reservation a `Requested` replacement replaced (heldOn, locked in
   * `tx`): it becomes history, `Used` by the transaction, with its own terms; the replacement stays
   * `Requested` on its own (dated when it was requested) and takes the charger's answer. Taken
   * before the start, the charger holds it; refused, it is history too.
   */
  async markReplacedUsed(tx: EntityManager, stationId: string, reservationId: number, transactionId: number): Promise<void> {
    const where = `reservation_id = $1 AND station_id = $2 AND status = 'Requested' AND replaced IS NOT NULL`;
    const used = returnedRows<Record<string, unknown>>(await tx.query(
      `INSERT INTO reservations AS r (reservation_id, station_id, connector_id, id_tag, parent_id_tag, expiry_date, status, transaction_id, created_at)
       SELECT reservation_id, station_id, (replaced->>'connectorId')::int, replaced->>'idTag', replaced->>'parentIdTag', (replaced->>'expiryDate')::timestamptz,
         'Used', $3, created_at FROM reservations WHERE ${where}
       RETURNING ${UPDATED_COLUMNS}`,
      [reservationId, stationId, transactionId],
    ));
    await publishReservationUpdates(this.outbox, tx, used.map(updateOf));
    await tx.query(`UPDATE reservations SET replaced = NULL, created_at = updated_at WHERE ${where}`, [reservationId, stationId]);
  }

  /**
   * Moves a station's reservation to `status` only from one of `from`: an answer read late must not
   * undo what happened meanwhile (e.g. `Used` by a StartTransaction). Returns whether it moved.
   * `from` are live statuses, so this touches the live reservation only, never the history.
   */
  async setStatus(stationId: string, reservationId: number, status: string, from: readonly LiveReservationStatus[]): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows = returnedRows<Record<string, unknown>>(await tx.query(
        `UPDATE reservations r SET status = $3, replaced = NULL, updated_at = now() WHERE reservation_id = $1 AND station_id = $2 AND status = ANY($4::text[]) RETURNING ${UPDATED_COLUMNS}`,
        [reservationId, stationId, status, [...from]],
      ));
      await publishReservationUpdates(this.outbox, tx, rows.map(updateOf));
      return rows.length > 0;
    });
  }

  /**
   * The charger's answer to a ReserveNow (or `Failed`/`TimedOut` for none), for the reservation
   * still `Requested`: a read late must not undo what happened meanwhile, as in setStatus. When the
   * request replaced a live reservation and did not take (a refusal, or `Failed`: it never reached
   * the charger), the charger still holds the old one (OCPP 1.6 §5.13): its terms, status and expiry
   * come back, and the refused request becomes history beside it, dated when it was sent. An
   * `Accepted` one replaced it; a `TimedOut` one may have, and shows the terms the charger may hold.
   * `request` is what the answered ReserveNow asked: calls go out one at a time, so when the row has
   * taken a later request's terms meanwhile, the answer settles what that later one replaces.
   * A row `TimedOut` with the request's terms takes the charger's answer that came after our timeout
   * (OutboundCalls' late answers): a late refusal must not leave it live until its expiry.
   */
  async settleRequested(stationId: string, reservationId: number, status: string, request: ReservationTerms): Promise<void> {
    await this.db.transaction(async (tx) => {
      const terms = [request.connectorId, request.idTag, request.parentIdTag ?? null, request.expiryDate];
      const [row] = (await tx.query(
        `SELECT id, replaced IS NOT NULL AS replacing, (connector_id = $3 AND id_tag = $4 AND parent_id_tag IS NOT DISTINCT FROM $5 AND expiry_date = $6) AS answered
         FROM reservations WHERE reservation_id = $1 AND station_id = $2
          AND (status = 'Requested' OR (status = 'TimedOut' AND connector_id = $3 AND id_tag = $4 AND parent_id_tag IS NOT DISTINCT FROM $5 AND expiry_date = $6))
          FOR UPDATE`,
        [reservationId, stationId, ...terms],
      )) as { id: string; replacing: boolean; answered: boolean }[];
      if (!row) return;
      // Whichever way the row is settled below, the outcome is this request's, with its terms.
      await publishReservationUpdates(this.outbox, tx, [{ stationId, reservationId, ...request, status }]);
      if (!row.answered) {
        // A later ReserveNow with this id replaced the row's terms since this one was sent: this
        // answer says what the charger holds before that one lands. Taken (or possibly), it is what
        // the later one replaces; refused, what it replaces stays, and this request is history.
        if (status === 'Accepted' || status === 'TimedOut') {
          await tx.query(
            `UPDATE reservations SET replaced = jsonb_build_object('connectorId', $2::int, 'idTag', $3::text, 'parentIdTag', $4::text, 'expiryDate', $5::timestamptz,
               'status', $6::text, 'updatedAt', now()) WHERE id = $1`,
            [row.id, ...terms, status],
          );
        } else {
          await tx.query(
            `INSERT INTO reservations (reservation_id, station_id, connector_id, id_tag, parent_id_tag, expiry_date, status) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
            [reservationId, stationId, ...terms, status],
          );
        }
        return;
      }
      if (!row.replacing || status === 'Accepted' || status === 'TimedOut') {
        // TimedOut keeps what it replaced: a CallError after our timeout (late) brings it back below,
        // as a timely one does; forgotten, the charger's reservation read as ended while it held it.
        await tx.query(`UPDATE reservations SET status = $2, replaced = CASE WHEN $2 = 'TimedOut' THEN replaced END, updated_at = now() WHERE id = $1`, [row.id, status]);
        return;
      }
      await tx.query(
        `INSERT INTO reservations (reservation_id, station_id, connector_id, id_tag, parent_id_tag, expiry_date, status, created_at)
         SELECT reservation_id, station_id, connector_id, id_tag, parent_id_tag, expiry_date, $2, updated_at FROM reservations WHERE id = $1`,
        [row.id, status],
      );
      await tx.query(
        `UPDATE reservations SET connector_id = (replaced->>'connectorId')::int, id_tag = replaced->>'idTag', parent_id_tag = replaced->>'parentIdTag',
           expiry_date = (replaced->>'expiryDate')::timestamptz, status = replaced->>'status', updated_at = (replaced->>'updatedAt')::timestamptz, replaced = NULL
         WHERE id = $1`,
        [row.id],
      );
    });
  }

  /**
   * The station (connector 0) or a connector reported `status` (Faulted or Unavailable): the charger
   * terminates the reservations it held there (OCPP 1.6 §5.13: "when the Charge Point or connector
   * are set to Faulted or Unavailable"; connector 0's status covers every connector, while one
   * connector's leaves a connector-0 reservation free to use another). They end with that status.
   * Only once the status is stored: an older notification, ignored for the connector, ends nothing.
   * Only answered ones (`Accepted`, or `TimedOut`: possibly held); a `Requested` one gets the
   * charger's answer, which reflects the connector as the charger saw it, but the held one it is
   * replacing ends in `replaced` (updated_at kept: restored by a refusal, it dates that
   * reservation), so a refused replacement brings it back ended. Past its expiry it stays Expired.
   * Locked in id order, as a StartTransaction locks those its tag may have ended (heldOn): an UPDATE
   * takes rows in the order it meets them, and the two would deadlock (one of them aborted).
   */
  async endOnInoperative(stationId: string, connectorId: number, status: 'Faulted' | 'Unavailable'): Promise<void> {
    const params = [stationId, connectorId, status];
    // Most of these statuses end nothing (a station set Unavailable reports it per connector at
    // every boot): one read then, as the single statement this was, not a transaction's three round
    // trips on a pooled connection. One accepted just after it is missed as it was after that statement.
    const [some] = (await this.db.query(`SELECT 1 FROM reservations WHERE ${ENDED_BY_STATUS} LIMIT 1`, params)) as unknown[];
    if (!some) return;
    // A transaction so the events commit with the change; only Faulted or Unavailable statuses come
    // here, off the status commit.
    await this.db.transaction(async (tx) => {
      const ended = returnedRows<Record<string, unknown>>(await tx.query(
        `WITH ended AS (SELECT id, status = 'Requested' AS replacing FROM reservations WHERE ${ENDED_BY_STATUS} ORDER BY id FOR UPDATE)
         UPDATE reservations r SET status = CASE WHEN ended.replacing THEN r.status ELSE $3 END,
           replaced = CASE WHEN ended.replacing THEN r.replaced || jsonb_build_object('status', $3::text) ELSE r.replaced END,
           updated_at = CASE WHEN ended.replacing THEN r.updated_at ELSE now() END
         FROM ended WHERE r.id = ended.id
         RETURNING r.reservation_id, r.station_id, $3::text AS status, NULL AS transaction_id,
           CASE WHEN ended.replacing THEN (r.replaced->>'connectorId')::int ELSE r.connector_id END AS connector_id,
           CASE WHEN ended.replacing THEN r.replaced->>'idTag' ELSE r.id_tag END AS id_tag,
           CASE WHEN ended.replacing THEN r.replaced->>'parentIdTag' ELSE r.parent_id_tag END AS parent_id_tag,
           CASE WHEN ended.replacing THEN (r.replaced->>'expiryDate')::timestamptz ELSE r.expiry_date END AS expiry_date`,
        params,
      ));
      // The held reservation ended (also one a Requested replacement stands in for): its own terms.
      await publishReservationUpdates(this.outbox, tx, ended.map(updateOf));
    });
  }
}
