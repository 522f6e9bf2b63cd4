import { Injectable } from '@nestjs/common';
import { endedTxProfileSql, operatorProfileConnectorSql, operatorProfileTransactionSql } from '../operator-profiles/operator-profiles.repository.js';
import { DataSource } from 'typeorm';
import { pageTotal, type Page } from '../persistence/page.js';
import { runningDeliveredWh } from '../transactions/register-series.js';
import { REGISTER_SLACK_WH, sessionRegistersSql, toTransaction, type TransactionRow } from '../transactions/transaction.repository.js';
import { AVAILABILITY_VIEW_SQL } from '../stations/availability.repository.js';
import { endedWithoutStopSql } from '../transactions/lost-stop.js';
import { cursorAtSql, encodeMeterValueCursor, type MeterValueCursor } from './meter-value-cursor.js';

/**
 * A timestamptz as `Date.toISOString()` writes it (UTC, milliseconds, `Z`), for times built into
 * json/jsonb: there PostgreSQL renders its own text form (`2026-01-31 22:00:00+00`, `+00:00` in
 * json), unlike the top-level columns the driver reads as Date. Every time in the API looks alike.
 */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The firmware update / diagnostics upload the station accepted last, with the latest status
 * received after it was sent: 1.6 statuses carry no request id, so an earlier one is not its status.
 * A signed firmware update (it has a requestId) carries the status that named it, stored with it;
 * a status naming a requestId is a signed update's, never a plain one's.
 */
function requestWithStatus(kind: 'firmware' | 'diagnostics'): string {
  const unnamed = kind === 'firmware' ? ` AND s.firmware_status_request_id IS NULL` : '';
  // A request the charger refused late (`callError`, TransferRepository.recordLateCallError) has no status of its own.
  const after = `s.${kind}_status_at >= (s.${kind}_request->>'requestedAt')::timestamptz${unnamed} AND s.${kind}_request->'callError' IS NULL`;
  const timed = `s.${kind}_request || jsonb_build_object('status', CASE WHEN ${after} THEN s.${kind}_status END, 'statusAt', CASE WHEN ${after} THEN ${iso(`s.${kind}_status_at`)} END)`;
  if (kind === 'diagnostics') return `${timed} AS diagnostics_request`;
  return `CASE WHEN s.firmware_request->'requestId' IS NOT NULL THEN s.firmware_request ELSE ${timed} END AS firmware_request`;
}

const STATION_COLUMNS = `s.id, s.security_profile, s.password_hash IS NOT NULL AS has_password, s.registration_status, s.validation_policy, s.auto_registered,
  s.vendor, s.model, s.serial_number, s.charge_box_serial_number, s.firmware_version, s.iccid, s.imsi, s.meter_type, s.meter_serial_number,
  s.last_boot_status, s.booted_at, s.last_seen_at, s.firmware_status, s.firmware_status_at, s.diagnostics_status, s.diagnostics_status_at, s.log_status, s.log_status_at,
  s.subprotocol_aliases, s.missing_subprotocol, s.capabilities, s.created_at, s.updated_at,
  ${requestWithStatus('firmware')}, ${requestWithStatus('diagnostics')}, s.log_request`;

/** The reported configuration with any AuthorizationKey value hidden (write-only; CiString key, any case). */
const MASKED_CONFIGURATION = `(SELECT jsonb_object_agg(e.k, CASE WHEN lower(e.k) = 'authorizationkey' AND jsonb_typeof(e.v) = 'object' THEN e.v || '{"value": null}'::jsonb ELSE e.v END)
    FROM jsonb_each(CASE WHEN jsonb_typeof(s.configuration) = 'object' THEN s.configuration ELSE '{}'::jsonb END) AS e(k, v)) AS configuration`;

/**
 * The main-register readings of a running transaction (`t`) so far, in arrival order, as
 * `[wh, epoch ms]` pairs: the view promises transactions "with energy", and a running one is
 * settled from them (`runningDeliveredWh`) by the rule StopTransaction applies with meterStop, so
 * a meter that restarted during the session is counted as the stop will count it. NULL before such
 * a reading, and for a stopped transaction (its own energy_wh): the subquery runs only for a
 * running one, its readings found on (station_id, sampled_at) from its start. Only the latest one
 * (the series' end: the highest stamp, then the latest arrival, as `keptRegisters` keeps it) unless
 * it lies far below meterStart: the series matters only then (`seriesDeliveredWh`), and a page of
 * long sessions would otherwise carry every reading of each.
 */
const SESSION_REGISTERS = sessionRegistersSql('t.station_id', 't.started_at', 't.transaction_id', 't.connector_id');
const RUNNING_REGISTERS = `CASE WHEN t.stopped_at IS NULL THEN (
    SELECT CASE WHEN l.wh > t.meter_start_wh - ${REGISTER_SLACK_WH} THEN json_build_array(json_build_array(l.wh, extract(epoch FROM l.sampled_at) * 1000))
      ELSE (SELECT json_agg(json_build_array(e.wh, extract(epoch FROM e.sampled_at) * 1000) ORDER BY e.id, e.n) FROM (${SESSION_REGISTERS}) e) END
      FROM (${SESSION_REGISTERS} ORDER BY r.sampled_at DESC, r.id DESC, s.n DESC LIMIT 1) l) END`;

/** Read models for the operator API (queries only; indexes follow these filters). */
@Injectable()
export class ViewsRepository {
  constructor(private readonly db: DataSource) {}

  async stations(offset: number, limit: number): Promise<Page<Record<string, unknown>>> {
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT ${STATION_COLUMNS}, count(*) OVER () AS total,
         COALESCE((SELECT json_agg(json_build_object('connectorId', c.connector_id, 'status', c.status, 'errorCode', c.error_code, 'statusAt', ${iso('c.status_at')}) ORDER BY c.connector_id)
                   FROM connectors c WHERE c.station_id = s.id), '[]') AS connectors
       FROM stations s ORDER BY s.id OFFSET $1 LIMIT $2`,
      [offset, limit],
    );
    const total = await pageTotal(rows, offset, () => this.db.query(`SELECT count(*) AS total FROM stations`));
    return { items: rows.map(({ total: _total, ...r }) => r), total, offset, limit };
  }

  async station(id: string): Promise<Record<string, unknown> | undefined> {
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT ${STATION_COLUMNS}, ${MASKED_CONFIGURATION},
         COALESCE((SELECT json_agg(json_build_object('connectorId', c.connector_id, 'status', c.status, 'errorCode', c.error_code, 'info', c.info,
                   'vendorId', c.vendor_id, 'vendorErrorCode', c.vendor_error_code, 'statusAt', ${iso('c.status_at')}) ORDER BY c.connector_id) FROM connectors c WHERE c.station_id = s.id), '[]') AS connectors,
         (SELECT json_build_object('listVersion', l.list_version, 'updateType', l.update_type, 'status', l.status, 'entries', l.entries, 'updatedAt', ${iso('l.updated_at')})
            FROM local_lists l WHERE l.station_id = s.id) AS local_list, ${AVAILABILITY_VIEW_SQL}
       FROM stations s WHERE s.id = $1`,
      [id],
    );
    return rows[0];
  }

  /**
   * Token compared without case (IdToken is a CiString); `from`/`to` apply to the start. A session
   * whose StopTransaction never came but which is over by the connector's later status or start
   * (`endedWithoutStopSql`, the rule ConcurrentTx follows) is `stopLost` and not active.
   * `activeFrom`/`activeTo` select the sessions running at some time in that closed window, a
   * session running over [start, stop): one whose stop was lost ran until that rule ends it.
   */
  async transactions(f: {
    stationId?: string;
    idTag?: string;
    from?: Date;
    to?: Date;
    activeFrom?: Date;
    activeTo?: Date;
    active?: boolean;
    offset: number;
    limit: number;
  }): Promise<Page<TransactionRow & { stopLost: boolean }>> {
    const stopLost = `(x.stopped_at IS NULL AND ${endedWithoutStopSql('x', "'infinity'::timestamptz")})`;
    const where = `x.orphan = false AND ($1::text IS NULL OR x.station_id = $1) AND ($2::text IS NULL OR lower(x.id_tag) = lower($2))
         AND ($3::timestamptz IS NULL OR x.started_at >= $3) AND ($4::timestamptz IS NULL OR x.started_at < $4)
         AND ($5::boolean IS NULL OR (x.stopped_at IS NULL AND NOT ${stopLost}) = $5)
         AND ($6::timestamptz IS NULL OR x.started_at <= $6)
         AND ($7::timestamptz IS NULL OR (CASE WHEN x.stopped_at IS NOT NULL THEN x.stopped_at > $7 ELSE NOT ${endedWithoutStopSql('x', '$7')} END))`;
    const filter = [f.stationId ?? null, f.idTag ?? null, f.from ?? null, f.to ?? null, f.active ?? null, f.activeTo ?? null, f.activeFrom ?? null];
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT t.*, ${RUNNING_REGISTERS} AS running_registers FROM (
         SELECT x.*, ${stopLost} AS stop_lost, count(*) OVER () AS total FROM transactions x WHERE ${where} ORDER BY x.started_at DESC, x.transaction_id DESC OFFSET $8 LIMIT $9
       ) t ORDER BY t.started_at DESC, t.transaction_id DESC`,
      [...filter, f.offset, f.limit],
    );
    const total = await pageTotal(rows, f.offset, () => this.db.query(`SELECT count(*) AS total FROM transactions x WHERE ${where}`, filter));
    return {
      items: rows.map((r) => ({ ...toTransaction({ ...r, energy_wh: r['energy_wh'] ?? runningEnergyWh(r) }), stopLost: r['stop_lost'] === true })),
      total,
      offset: f.offset,
      limit: f.limit,
    };
  }

  /**
   * A station's sampled values, oldest first. Readings (and rows stored before them, see the
   * `meter_samples` view) are limited in index order before they are expanded: through the view,
   * every reading in the range would be expanded and sorted to find the first `limit`. Every
   * reading has a sample, so `offset + limit` readings hold the page (one more for the reading
   * `after` names, which may have none left, and one to tell whether a next page exists). The
   * order is total (sampledAt, then the table, id and the sample's place), so pages neither repeat
   * nor skip samples, also where readings share a timestamp (clock-aligned, one per connector):
   * `next` names the page's last sample, and `after` starts by an index range right behind it,
   * where `offset` reads and expands every sample before the page. `total` counts every sample in
   * the range, whatever `after` (a scan of its readings' `sample_count`, as `count(*)` is for the
   * other pages).
   */
  async meterValues(f: {
    stationId: string;
    from?: Date;
    to?: Date;
    transactionId?: number;
    after?: MeterValueCursor;
    offset: number;
    limit: number;
  }): Promise<(Page<Record<string, unknown>> & { next: string | null }) | undefined> {
    const filter = `station_id = $1 AND ($2::timestamptz IS NULL OR sampled_at >= $2) AND ($3::timestamptz IS NULL OR sampled_at < $3) AND ($4::int IS NULL OR transaction_id = $4)`;
    // At or after the cursor's row in a table of `source`: sampled_at first, so the index range starts there.
    const fromCursor = (source: number) =>
      `($7::timestamptz IS NULL OR (sampled_at >= $7 AND (sampled_at > $7 OR ${source} > $8 OR (${source} = $8 AND id >= $9))))`;
    const found = await this.ofStation(
      {
        // Samples, not readings: the values a reading holds, plus the rows stored before readings.
        // Readings stored before sample_count existed are counted from their JSON.
        total: `(SELECT COALESCE(sum(COALESCE(sample_count, json_array_length(samples))), 0) FROM meter_readings WHERE ${filter}) + (SELECT count(*) FROM meter_values WHERE ${filter})`,
        rows: `WITH r AS (SELECT * FROM meter_readings WHERE ${filter} AND ${fromCursor(1)} ORDER BY sampled_at, id LIMIT $5::bigint + $6 + 2),
                    v AS (SELECT * FROM meter_values WHERE ${filter} AND ${fromCursor(0)} ORDER BY sampled_at, id LIMIT $5::bigint + $6 + 2)
               SELECT "connectorId", "transactionId", "sampledAt", measurand, value, "rawValue", unit, phase, context, location, format,
                      source AS _source, id AS _id, sample AS _sample, at AS _at FROM (
                 SELECT 1 AS source, r.id, s.n AS sample, r.connector_id AS "connectorId", r.transaction_id AS "transactionId", r.sampled_at AS "sampledAt",
                        s.v->>'measurand' AS measurand, (s.v->>'value')::float8 AS value, s.v->>'rawValue' AS "rawValue", s.v->>'unit' AS unit,
                        s.v->>'phase' AS phase, s.v->>'context' AS context, s.v->>'location' AS location, s.v->>'format' AS format, ${cursorAtSql('r.sampled_at')} AS at
                   FROM r CROSS JOIN LATERAL json_array_elements(r.samples) WITH ORDINALITY AS s(v, n)
                 UNION ALL
                 SELECT 0, id, 1, connector_id, transaction_id, sampled_at, measurand, value, raw_value, unit, phase, context, location, format, ${cursorAtSql('sampled_at')} FROM v
               ) x WHERE $7::timestamptz IS NULL OR ("sampledAt", source, id, sample) > ($7, $8, $9, $10)
               ORDER BY "sampledAt", source, id, sample OFFSET $6 LIMIT $5::bigint + 1`,
        order: `p."sampledAt", p._source, p._id, p._sample`,
        key: '_id',
      },
      [f.stationId, f.from ?? null, f.to ?? null, f.transactionId ?? null, f.limit, f.offset, f.after?.at ?? null, f.after?.source ?? null, f.after?.id ?? null, f.after?.sample ?? null],
    );
    if (!found) return undefined;
    // The row past the page only tells that there is a next one.
    const last = found.rows.length > f.limit ? found.rows[f.limit - 1] : undefined;
    const next = last
      ? encodeMeterValueCursor({ at: String(last['_at']), source: Number(last['_source']) as 0 | 1, id: String(last['_id']), sample: Number(last['_sample']) })
      : null;
    return { items: found.items.slice(0, f.limit), total: found.total, offset: f.offset, limit: f.limit, next };
  }

  /** Not paged: a station holds a few profiles per connector (the planner's and the operator's). */
  async chargingProfiles(stationId: string): Promise<Record<string, unknown>[] | undefined> {
    const found = await this.ofStation(
      {
        rows: `SELECT charging_profile_id AS "chargingProfileId", connector_id AS "connectorId", purpose, state, plan_id AS "planId", desired, desired_at AS "desiredAt",
                 applied, applied_at AS "appliedAt", last_result AS "lastResult", attempts,
                 verification, verified_limit AS "verifiedLimit", verified_at AS "verifiedAt"
               FROM charging_profiles WHERE station_id = $1`,
        order: `p."connectorId", p."chargingProfileId"`,
        key: 'chargingProfileId',
      },
      [stationId],
    );
    return found?.items;
  }

  /** What a station sent that is kept as it came (DataTransfer, status notifications, security events, CSRs), newest first. */
  async messages(stationId: string, kind: string | undefined, offset: number, limit: number): Promise<Page<Record<string, unknown>> | undefined> {
    const found = await this.ofStation(
      {
        total: `(SELECT count(*) FROM station_messages WHERE station_id = $1 AND ($2::text IS NULL OR kind = $2))`,
        rows: `SELECT kind, payload, received_at AS "receivedAt", id AS _id FROM station_messages WHERE station_id = $1 AND ($2::text IS NULL OR kind = $2)
               ORDER BY received_at DESC, id DESC OFFSET $3 LIMIT $4`,
        order: `p."receivedAt" DESC, p._id DESC`,
        key: '_id',
      },
      [stationId, kind ?? null, offset, limit],
    );
    return found && { items: found.items, total: found.total, offset, limit };
  }

  async rejectedFrames(stationId: string, offset: number, limit: number): Promise<Page<Record<string, unknown>> | undefined> {
    const found = await this.ofStation(
      {
        total: `(SELECT count(*) FROM rejected_frames WHERE station_id = $1)`,
        rows: `SELECT raw, reason, received_at AS "receivedAt", id AS _id FROM rejected_frames WHERE station_id = $1 ORDER BY received_at DESC, id DESC OFFSET $2 LIMIT $3`,
        order: `p."receivedAt" DESC, p._id DESC`,
        key: '_id',
      },
      [stationId, offset, limit],
    );
    return found && { items: found.items, total: found.total, offset, limit };
  }

  /** A station's remote starts, newest first (what `RemoteStartRepository` records). */
  async remoteStarts(stationId: string, offset: number, limit: number): Promise<Page<Record<string, unknown>> | undefined> {
    const found = await this.ofStation(
      {
        total: `(SELECT count(*) FROM remote_starts WHERE station_id = $1)`,
        rows: `SELECT id, connector_id AS "connectorId", id_tag AS "idTag", requested_at AS "requestedAt", status, transaction_id AS "transactionId", settled_at AS "settledAt"
               FROM remote_starts WHERE station_id = $1 ORDER BY requested_at DESC, id DESC OFFSET $2 LIMIT $3`,
        order: `p."requestedAt" DESC, p.id DESC`,
        key: 'id',
      },
      [stationId, offset, limit],
    );
    return found && { items: found.items, total: found.total, offset, limit };
  }

  /**
   * The profiles commands from outside installed (`operator_profiles`), as the charger accepted them;
   * a TxProfile only while its transaction runs (the charger drops it at the end; `endedTxProfileSql`). Not paged: a few per connector.
   */
  async operatorProfiles(stationId: string): Promise<Record<string, unknown>[] | undefined> {
    const found = await this.ofStation(
      {
        rows: `SELECT o.charging_profile_id AS "chargingProfileId", ${operatorProfileConnectorSql('o')} AS "connectorId", o.purpose, o.stack_level AS "stackLevel",
                 ${operatorProfileTransactionSql('o')} AS "transactionId", o.profile, o.installed_at AS "installedAt"
               FROM operator_profiles o WHERE o.station_id = $1
                 AND NOT ${endedTxProfileSql('o')}`,
        order: `p."connectorId", p.purpose, p."stackLevel", p."chargingProfileId"`,
        key: 'chargingProfileId',
      },
      [stationId],
    );
    return found?.items;
  }

  /**
   * One station's rows (`rows`, a query of `$1` = the station id, with its own order and paging)
   * and `total` (a count of what the rows page through, on the same parameters), or undefined
   * when no such station exists: a typo in the id is a 404, not an empty list. One statement tells
   * all: the station's row joined to the rows, so a known station without any still yields one
   * row, of NULLs in `key` (a column never NULL in a real row); the count is evaluated once, and
   * also for a page past the end. The join keeps no order of its own, hence `order` (the rows'
   * order, on their output columns); `_` columns serve it and are dropped from `items` (`rows` keeps them).
   */
  private async ofStation(
    sql: { rows: string; order: string; key: string; total?: string },
    params: [stationId: string, ...rest: unknown[]],
  ): Promise<{ items: Record<string, unknown>[]; rows: Record<string, unknown>[]; total: number } | undefined> {
    const found: Record<string, unknown>[] = await this.db.query(
      `SELECT ${sql.total ?? 'NULL'} AS _total, p.* FROM stations s LEFT JOIN LATERAL (${sql.rows}) p ON true WHERE s.id = $1 ORDER BY ${sql.order}`,
      params,
    );
    if (!found[0]) return undefined;
    const rows = found.filter((r) => r[sql.key] !== null);
    const items = rows.map((r) => Object.fromEntries(Object.entries(r).filter(([column]) => !column.startsWith('_'))));
    return { items, rows, total: Number(found[0]['_total'] ?? items.length) };
  }
}

/** A running transaction's energy so far from its `RUNNING_REGISTERS` (null: none yet, or stopped). */
function runningEnergyWh(r: Record<string, unknown>): number | null {
  const registers = r['running_registers'] as [number | string, number | string][] | null;
  if (!registers) return null;
  return runningDeliveredWh(
    Number(r['meter_start_wh']),
    registers.map(([wh, at]) => ({ registerWh: Number(wh), sampledAtMs: Number(at) })),
  );
}
