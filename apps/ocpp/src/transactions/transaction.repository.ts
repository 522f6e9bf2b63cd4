import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { toJsonParameter } from '@cpo/messaging';
import { returnedRows } from '@cpo/platform';
import { noTransactionStatusSql, statusComparedStartSql } from './lost-stop.js';
import type { RegisterReading } from './register-series.js';

export interface TransactionRow {
  transactionId: number;
  stationId: string;
  connectorId: number;
  idTag: string;
  idTagStatus: string;
  meterStartWh: number;
  startedAt: Date;
  reservationId: number | null;
  authorizationReference: string | null;
  meterStopWh: number | null;
  stoppedAt: Date | null;
  stopReason: string | null;
  stopIdTag: string | null;
  energyWh: number | null;
  /**
   * The start's stamp as sent when its time of record is another (`start_sent_at`: kept as ahead, or
   * corrected by the clock offset); read by `lockForStop` only (stop-time.ts `stopClockOffset`).
   */
  startSentAt?: Date | null;
}

export interface NewTransaction {
  stationId: string;
  connectorId: number;
  idTag: string;
  idTagStatus: string;
  meterStartWh: number;
  startedAt: Date;
  reservationId?: number;
  authorizationReference?: string;
  /** The stamp as sent of a start recorded at its receipt because it lay ahead (`start_sent_at`). */
  startSentAt?: Date;
}

/** One sampled value as stored in a reading's `samples`: OCPP's defaults explicit, `value` parsed where numeric. */
export interface StoredSample {
  measurand: string;
  value: number | null;
  rawValue: string;
  /** Absent only for a measurand OCPP gives no unit (frequency, power factor, RPM) sent without one. */
  unit?: string;
  phase?: string;
  context?: string;
  location?: string;
  format: string;
  /** Enumerated fields the charger spelt otherwise (`""`, `wh`), as sent; the fields above are OCPP's spelling. */
  asSent?: Partial<Record<'measurand' | 'unit' | 'phase' | 'context' | 'location' | 'format', string>>;
}

/** One MeterValue (a `meter_readings` row): its timestamp and every sampled value it carried. */
export interface MeterReading {
  stationId: string;
  connectorId: number;
  transactionId: number | null;
  /** ISO 8601 in UTC: readings travel as JSON, where a Date would be re-formatted (toJSON) for each. */
  sampledAt: string;
  samples: StoredSample[];
  /** `samples.length`, stored beside them so views count samples without parsing every reading. */
  sampleCount: number;
  /**
   * The `timestamp` as sent (ISO, UTC), only when the reading is stored at another time: corrected by
   * the clock offset, or at receipt for a stamp far ahead. A resend is matched on it (resent-readings.ts).
   */
  sentAt?: string;
}

/**
 * How far a register may read below meterStart and still be the same meter, not yet past the
 * start at its own precision: a kWh register sent with one decimal (or none) reads up to 100
 * (1,000) Wh below the exact Wh of meterStart, and firmware rounds the two differently. Read as a
 * restart from zero, such a register counted the meter's whole lifetime (1.2 MWh for a session
 * that had not begun). A restarted meter reads far below its start, unless the start was under 1 kWh.
 */
export const REGISTER_SLACK_WH = 1000;

/**
 * Energy delivered by a register reading `registerWh` since `meterStartWh`: the difference; a
 * register just below the start (REGISTER_SLACK_WH) has delivered nothing yet; one further below
 * is a meter that restarted during the session (counting from zero); a negative one (a broken
 * meter) delivered nothing. `RUNNING_ENERGY` (views) applies the same rule in SQL.
 */
export function deliveredWh(meterStartWh: number, registerWh: number): number {
  if (registerWh >= meterStartWh) return registerWh - meterStartWh;
  if (registerWh > meterStartWh - REGISTER_SLACK_WH) return 0;
  return Math.max(0, registerWh);
}

/**
 * SQL: a transaction's main-register readings on its own connector (connector 0's MeterValues, the
 * station's meter, may name it): Energy.Active.Import.Register at the Outlet or no location, no phase,
 * Wh or kWh, numeric, as `wh` (bigint), `sampled_at`, `id`, `n` (arrival order). Found on
 * `meter_readings_station_time` from the start on, as the view always did: an index on
 * transaction_id would cost every MeterValues insert (the hot path) for a query run once a session.
 */
export function sessionRegistersSql(stationId: string, startedAt: string, transactionId: string, connectorId: string): string {
  return `SELECT round((s.v->>'value')::float8 * CASE s.v->>'unit' WHEN 'kWh' THEN 1000 ELSE 1 END)::bigint AS wh, r.sampled_at, r.id, s.n
    FROM meter_readings r CROSS JOIN LATERAL json_array_elements(r.samples) WITH ORDINALITY AS s(v, n)
   WHERE r.station_id = ${stationId} AND r.sampled_at >= ${startedAt} AND r.transaction_id = ${transactionId} AND r.connector_id = ${connectorId}
     AND s.v->>'measurand' = 'Energy.Active.Import.Register' AND s.v->>'unit' IN ('Wh', 'kWh') AND s.v->>'phase' IS NULL
     AND COALESCE(s.v->>'location', 'Outlet') = 'Outlet' AND json_typeof(s.v->'value') = 'number'
     AND abs((s.v->>'value')::float8) < 1e15`; // a broken meter's 1e300 would overflow bigint and fail the query
}

export function toTransaction(r: Record<string, unknown>): TransactionRow {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    transactionId: Number(r['transaction_id']),
    stationId: r['station_id'] as string,
    connectorId: Number(r['connector_id']),
    idTag: r['id_tag'] as string,
    idTagStatus: r['id_tag_status'] as string,
    meterStartWh: Number(r['meter_start_wh']),
    startedAt: r['started_at'] as Date,
    reservationId: num(r['reservation_id']),
    authorizationReference: (r['authorization_reference'] as string | null) ?? null,
    meterStopWh: num(r['meter_stop_wh']),
    stoppedAt: (r['stopped_at'] as Date | null) ?? null,
    stopReason: (r['stop_reason'] as string | null) ?? null,
    stopIdTag: (r['stop_id_tag'] as string | null) ?? null,
    energyWh: num(r['energy_wh']),
  };
}

/** Transactions and meter values (SQL only). */
@Injectable()
export class TransactionRepository {
  constructor(private readonly db: DataSource) {}

  async find(transactionId: number): Promise<TransactionRow | undefined> {
    const rows: Record<string, unknown>[] = await this.db.query(`SELECT * FROM transactions WHERE transaction_id = $1`, [transactionId]);
    return rows[0] ? toTransaction(rows[0]) : undefined;
  }

  /**
   * Inserts a transaction unless the same start (station, connector, tag, time, meter) exists: a
   * retried StartTransaction, even with a new message id, gets the id it got the first time. The
   * tag is compared without case (IdToken is a CiString: a retry may report it in another case);
   * the first start keeps its spelling. The conflict target and the lookup are those of
   * `transactions_start_lower_key`, which leaves out the later copies of starts stored twice before it.
   * `sentAt`, the start's stamp as sent (null: none to look for, an unset clock's), also finds a
   * copy recorded at its receipt because that stamp lay ahead then (`start_sent_at`): resent once
   * the stamp has passed, it carries a plausible time another key than the first copy's. Checked in
   * the insert itself, on an index holding only such starts: the usual start pays no round trip.
   */
  async insertOrGet(tx: EntityManager, t: NewTransaction, sentAt: Date | null = t.startedAt): Promise<{ row: TransactionRow; created: boolean }> {
    const inserted: Record<string, unknown>[] = await tx.query(
      `INSERT INTO transactions (transaction_id, station_id, connector_id, id_tag, id_tag_status, meter_start_wh, started_at, reservation_id, authorization_reference, start_sent_at)
       SELECT nextval('transaction_id_seq'), $1::text, $2::int, $3::text, $4::text, $5::bigint, $6::timestamptz, $7::int, $8::text, $9::timestamptz
        WHERE NOT EXISTS (SELECT 1 FROM transactions WHERE station_id = $1 AND connector_id = $2 AND lower(id_tag) = lower($3) AND start_sent_at = $10::timestamptz
                             AND meter_start_wh = $5 AND start_duplicate_of IS NULL)
       ON CONFLICT (station_id, connector_id, lower(id_tag), started_at, meter_start_wh) WHERE start_duplicate_of IS NULL DO NOTHING RETURNING *`,
      [t.stationId, t.connectorId, t.idTag, t.idTagStatus, t.meterStartWh, t.startedAt, t.reservationId ?? null, t.authorizationReference ?? null, t.startSentAt ?? null, sentAt],
    );
    if (inserted[0]) return { row: toTransaction(inserted[0]), created: true };
    const existing: Record<string, unknown>[] = await tx.query(
      `SELECT * FROM transactions
        WHERE station_id = $1 AND connector_id = $2 AND lower(id_tag) = lower($3) AND meter_start_wh = $5 AND start_duplicate_of IS NULL
          AND (started_at = $4 OR start_sent_at = $6)
        ORDER BY started_at = $4 DESC LIMIT 1`,
      [t.stationId, t.connectorId, t.idTag, t.startedAt, t.meterStartWh, sentAt],
    );
    return { row: toTransaction(existing[0]!), created: false };
  }

  /**
   * Serialises, per station, the retry lookup of starts stamped by an unset clock: their key is in
   * `station_messages`, which no unique index guards, and two copies of a resent start can meet
   * here (the charger resending on a new socket, another replica, while the first is in hand).
   */
  async lockUnsetClockStarts(tx: EntityManager, stationId: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('unset_clock_starts:' || $1))`, [stationId]);
  }

  /**
   * Transactions of this start's (station, connector, tag without case, meterStart) that began with
   * a StartTransaction kept as `kind` (its time of record is the message's receipt, the time the
   * transaction started), each with the `timestamp` that message carried as sent. Only those not
   * stopped: a retried start comes before its stop (the charger stops under the id the start's answer
   * gives it), and an unset clock restarts at the epoch with every power loss, so a later session
   * (a meter reset per session, the same tag) can carry a stopped one's stamp to the second.
   */
  async startsKeptAs(tx: EntityManager, kind: string, t: Pick<NewTransaction, 'stationId' | 'connectorId' | 'idTag' | 'meterStartWh'>): Promise<{ row: TransactionRow; sentTimestamp: unknown }[]> {
    const rows: Record<string, unknown>[] = await tx.query(
      `SELECT t.*, m.payload->'timestamp' AS sent_timestamp FROM station_messages m
         JOIN transactions t ON t.station_id = m.station_id AND t.started_at = m.received_at
        WHERE m.station_id = $1 AND m.kind = $2 AND t.connector_id = $3 AND lower(t.id_tag) = lower($4) AND t.meter_start_wh = $5
          AND t.start_duplicate_of IS NULL AND t.orphan = false AND t.stopped_at IS NULL`,
      [t.stationId, kind, t.connectorId, t.idTag, t.meterStartWh],
    );
    return rows.map((r) => ({ row: toTransaction(r), sentTimestamp: r['sent_timestamp'] }));
  }

  /** The transaction of this start's key (`insertOrGet`'s), if one is stored and not stopped. */
  async runningStartAt(tx: EntityManager, t: NewTransaction): Promise<TransactionRow | undefined> {
    const rows: Record<string, unknown>[] = await tx.query(
      `SELECT * FROM transactions
        WHERE station_id = $1 AND connector_id = $2 AND lower(id_tag) = lower($3) AND started_at = $4 AND meter_start_wh = $5
          AND start_duplicate_of IS NULL AND stopped_at IS NULL`,
      [t.stationId, t.connectorId, t.idTag, t.startedAt, t.meterStartWh],
    );
    return rows[0] ? toTransaction(rows[0]) : undefined;
  }

  /** The `timestamp`, as sent, of the StopTransactions of this transaction kept as one of `kinds` at `receivedAt`. */
  async stopStampsKeptAs(tx: EntityManager, kinds: string[], stationId: string, transactionId: number, receivedAt: Date): Promise<unknown[]> {
    const rows: { sent_timestamp: unknown }[] = await tx.query(
      `SELECT payload->'timestamp' AS sent_timestamp FROM station_messages
        WHERE station_id = $1 AND kind = ANY($2::text[]) AND received_at = $3 AND payload->'transactionId' = to_jsonb($4::int)`,
      [stationId, kinds, receivedAt, transactionId],
    );
    return rows.map((r) => r.sent_timestamp);
  }

  /** Keeps a charger's message as it sent it (`station_messages`), received at `receivedAt`. */
  async keepMessage(tx: EntityManager, stationId: string, kind: string, payload: unknown, receivedAt: Date): Promise<void> {
    await tx.query(`INSERT INTO station_messages (station_id, kind, payload, received_at) VALUES ($1, $2, $3, $4)`, [stationId, kind, JSON.stringify(payload), receivedAt]);
  }

  async lockForStop(tx: EntityManager, stationId: string, transactionId: number): Promise<TransactionRow | undefined> {
    const rows: Record<string, unknown>[] = await tx.query(`SELECT * FROM transactions WHERE transaction_id = $1 AND station_id = $2 FOR UPDATE`, [transactionId, stationId]);
    return rows[0] ? { ...toTransaction(rows[0]), startSentAt: (rows[0]['start_sent_at'] as Date | null | undefined) ?? null } : undefined;
  }

  /** The transaction's main-register readings in arrival order (`sessionRegistersSql`). */
  async sessionRegisters(tx: EntityManager, t: Pick<TransactionRow, 'stationId' | 'startedAt' | 'transactionId' | 'connectorId'>): Promise<RegisterReading[]> {
    const sql = `SELECT wh, sampled_at FROM (${sessionRegistersSql('$1', '$2', '$3', '$4')}) e ORDER BY id, n`;
    const rows: { wh: string; sampled_at: Date }[] = await tx.query(sql, [t.stationId, t.startedAt, t.transactionId, t.connectorId]);
    return rows.map((r) => ({ registerWh: Number(r.wh), sampledAtMs: r.sampled_at.getTime() }));
  }

  async stop(tx: EntityManager, transactionId: number, s: { meterStopWh: number; stoppedAt: Date; reason: string; idTag?: string; energyWh: number; transactionData?: unknown }): Promise<void> {
    await tx.query(
      `UPDATE transactions SET meter_stop_wh = $2, stopped_at = $3, stop_reason = $4, stop_id_tag = $5, energy_wh = $6, transaction_data = $7, updated_at = now()
       WHERE transaction_id = $1`,
      [transactionId, s.meterStopWh, s.stoppedAt, s.reason, s.idTag ?? null, s.energyWh, s.transactionData === undefined ? null : JSON.stringify(s.transactionData)],
    );
  }

  /**
   * Keeps a StopTransaction for a transaction we do not know (`station_messages`, kind
   * `OrphanStopTransaction`) unless the same stop is kept already: a retried stop adds nothing,
   * also when it reports the tag in another case (a CiString). One replica handles a station's
   * messages one at a time, but two copies can still meet here: the charger resending on a new
   * socket (another replica) while the first copy is still being handled. Neither sees the other's
   * uncommitted row, so the check and insert are serialised per station (a lock held to the commit).
   */
  async storeOrphanStop(tx: EntityManager, stationId: string, stop: unknown): Promise<boolean> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('orphan_stops:' || $1))`, [stationId]);
    const rows: unknown[] = await tx.query(
      `INSERT INTO station_messages (station_id, kind, payload)
       SELECT $1, 'OrphanStopTransaction', $2::jsonb
        WHERE NOT EXISTS (SELECT 1 FROM station_messages WHERE station_id = $1 AND kind = 'OrphanStopTransaction'
                             AND payload - 'idTag' = $2::jsonb - 'idTag' AND lower(payload->>'idTag') IS NOT DISTINCT FROM lower($2::jsonb->>'idTag'))
       RETURNING id`,
      [stationId, JSON.stringify(stop)],
    );
    return returnedRows(rows).length > 0;
  }

  /**
   * For each (station, connector, time) without a transaction id: the transaction running there at
   * that time. One whose StopTransaction the charger discarded (OCPP 1.6 §3.7.1) is over once the
   * connector reported a status with no transaction on it after its start (the rule `ConcurrentTx`
   * follows, OCPP 1.6 §7.7): `Available`, `Preparing`, `Reserved`, `Finishing` (stopped, the car
   * still plugged in, as overnight) or `Unavailable` after a reboot or an Inoperative request (`noTransactionStatusSql`):
   * an idle connector's clock-aligned readings would otherwise go to it for ever. Strictly before
   * the reading, so a reading stamped with its own stop keeps it.
   */
  async activeAt(tx: EntityManager, keys: { stationId: string; connectorId: number; at: Date }[]): Promise<(number | null)[]> {
    if (keys.length === 0) return [];
    const rows: { idx: string; transaction_id: number }[] = await tx.query(
      `SELECT k.idx, t.transaction_id FROM unnest($1::text[], $2::int[], $3::timestamptz[]) WITH ORDINALITY AS k(station_id, connector_id, at, idx)
       JOIN LATERAL (SELECT transaction_id FROM transactions t WHERE t.station_id = k.station_id AND t.connector_id = k.connector_id
                       AND t.orphan = false AND t.started_at <= k.at AND (t.stopped_at IS NULL OR t.stopped_at >= k.at)
                       AND (t.stop_lost_at IS NULL OR t.stop_lost_at >= k.at)
                       AND NOT EXISTS (SELECT 1 FROM connectors c WHERE c.station_id = t.station_id AND c.connector_id = t.connector_id
                                         AND ${noTransactionStatusSql('c', statusComparedStartSql('t'))} AND c.status_at > ${statusComparedStartSql('t', 'c')} AND c.status_at < k.at)
                     ORDER BY t.started_at DESC LIMIT 1) t ON true`,
      [keys.map((k) => k.stationId), keys.map((k) => k.connectorId), keys.map((k) => k.at)],
    );
    const found = new Map(rows.map((r) => [Number(r.idx) - 1, Number(r.transaction_id)]));
    return keys.map((_, i) => found.get(i) ?? null);
  }

  /** The station of each of these transactions that exists. */
  async stationsOf(tx: EntityManager, transactionIds: number[]): Promise<Map<number, string>> {
    const rows: { transaction_id: number; station_id: string }[] = await tx.query(
      `SELECT transaction_id, station_id FROM transactions WHERE transaction_id = ANY($1::int[])`,
      [transactionIds],
    );
    return new Map(rows.map((r) => [Number(r.transaction_id), r.station_id]));
  }

  async insertMeterReadings(tx: EntityManager, readings: MeterReading[]): Promise<void> {
    if (readings.length === 0) return;
    const { sql, params } = meterReadingsInsert(readings, 1);
    await tx.query(sql, params);
  }
}

/**
 * The meter_readings insert with parameters numbered from `firstParam`, usable alone or as a CTE
 * body. The readings travel as one JSON parameter (keys = MeterReading's fields; `sentAt` absent,
 * i.e. null, for a reading stored at its stamp); each reading's samples are stored as the `json`
 * text PostgreSQL receives, never converted.
 */
export function meterReadingsInsert(readings: MeterReading[], firstParam: number): { sql: string; params: unknown[] } {
  return {
    sql: `INSERT INTO meter_readings (station_id, connector_id, transaction_id, sampled_at, samples, sample_count, sent_at)
       SELECT * FROM json_to_recordset($${firstParam}::json) AS r("stationId" text, "connectorId" int, "transactionId" int, "sampledAt" timestamptz, samples json, "sampleCount" int, "sentAt" timestamptz)`,
    params: [toJsonParameter(readings)],
  };
}
