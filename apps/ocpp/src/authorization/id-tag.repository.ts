import { returnedRows } from '@cpo/platform';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { pageTotal } from '../persistence/page.js';
import { endedWithoutStopSql } from '../transactions/lost-stop.js';

export type IdTagStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid';

export interface IdTagRecord {
  idTag: string;
  status: IdTagStatus;
  expiryDate: Date | null;
  parentIdTag: string | null;
  updatedAt: Date;
}

function toRecord(r: Record<string, unknown>): IdTagRecord {
  return {
    idTag: r['id_tag'] as string,
    status: r['status'] as IdTagStatus,
    expiryDate: (r['expiry_date'] as Date | null) ?? null,
    parentIdTag: (r['parent_id_tag'] as string | null) ?? null,
    updatedAt: r['updated_at'] as Date,
  };
}

/** Local authorisation identifiers (RFID uids, remote-start tags). */
@Injectable()
export class IdTagRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * The token whatever the case the charger reports it in (IdToken is a CiString). Rows stored
   * before tokens were compared without case may differ only in case: the exact spelling wins,
   * else the one changed last.
   */
  async find(idTag: string, m: EntityManager = this.db.manager): Promise<IdTagRecord | undefined> {
    const rows: Record<string, unknown>[] = await m.query(
      `SELECT * FROM id_tags WHERE lower(id_tag) = lower($1) ORDER BY id_tag = $1 DESC, updated_at DESC LIMIT 1`,
      [idTag],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async findMany(idTags: string[]): Promise<IdTagRecord[]> {
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT * FROM id_tags WHERE lower(id_tag) = ANY(SELECT lower(t) FROM unnest($1::text[]) AS t) ORDER BY id_tag`,
      [idTags],
    );
    return rows.map(toRecord);
  }

  async list(offset: number, limit: number): Promise<{ items: IdTagRecord[]; total: number }> {
    const rows: Record<string, unknown>[] = await this.db.query(`SELECT *, count(*) OVER () AS total FROM id_tags ORDER BY id_tag OFFSET $1 LIMIT $2`, [offset, limit]);
    return { items: rows.map(toRecord), total: await pageTotal(rows, offset, () => this.db.query(`SELECT count(*) AS total FROM id_tags`)) };
  }

  async all(): Promise<IdTagRecord[]> {
    const rows: Record<string, unknown>[] = await this.db.query(`SELECT * FROM id_tags ORDER BY id_tag`);
    return rows.map(toRecord);
  }

  /**
   * Creates the token or changes it in every spelling it is stored under (one token, whatever the
   * case), so no older spelling keeps answering differently. The advisory lock serialises writers
   * of one token across replicas: two spellings written at once would otherwise both be inserted.
   * `created`: the token was not stored in any spelling before (the operator API answers 201).
   * The chargers' local list entries of the token are marked for a sync in the same transaction
   * (LocalListSync sends what changed once it commits).
   */
  async upsert(tag: Omit<IdTagRecord, 'updatedAt'>): Promise<{ tag: IdTagRecord; created: boolean }> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('id_tags:' || lower($1)))`, [tag.idTag]);
      await markListEntries(tx, tag.idTag);
      const values = [tag.idTag, tag.status, tag.expiryDate, tag.parentIdTag];
      const updated: Record<string, unknown>[] = returnedRows(
        await tx.query(
          `UPDATE id_tags SET status = $2, expiry_date = $3, parent_id_tag = $4, updated_at = now() WHERE lower(id_tag) = lower($1)
           RETURNING *`,
          values,
        ),
      );
      const row = updated.find((r) => r['id_tag'] === tag.idTag) ?? updated[0];
      if (row) return { tag: toRecord(row), created: false };
      const inserted: Record<string, unknown>[] = await tx.query(
        `INSERT INTO id_tags (id_tag, status, expiry_date, parent_id_tag) VALUES ($1, $2, $3, $4) RETURNING *`,
        values,
      );
      return { tag: toRecord(inserted[0]!), created: true };
    });
  }

  /**
   * Changes only the given fields of a stored token (`null` clears an optional one), in every
   * spelling, as upsert writes a whole one: the fields not given are those find() answers with,
   * read under the token's lock so a concurrent write is not undone. Undefined when the token is
   * not stored. Its local list entries are marked for a sync, as upsert does.
   */
  async patch(idTag: string, changes: Partial<Pick<IdTagRecord, 'status' | 'expiryDate' | 'parentIdTag'>>): Promise<IdTagRecord | undefined> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('id_tags:' || lower($1)))`, [idTag]);
      const current = await this.find(idTag, tx);
      if (!current) return undefined;
      await markListEntries(tx, idTag);
      const next = { ...current, ...changes };
      const updated: Record<string, unknown>[] = returnedRows(
        await tx.query(
          `UPDATE id_tags SET status = $2, expiry_date = $3, parent_id_tag = $4, updated_at = now() WHERE lower(id_tag) = lower($1)
           RETURNING *`,
          [idTag, next.status, next.expiryDate, next.parentIdTag],
        ),
      );
      const row = updated.find((r) => r['id_tag'] === current.idTag) ?? updated[0];
      return row ? toRecord(row) : undefined;
    });
  }

  /** Removes the token in every spelling it is stored under, its local list entries marked for a sync (see upsert). */
  async remove(idTag: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows = returnedRows(await tx.query(`DELETE FROM id_tags WHERE lower(id_tag) = lower($1) RETURNING id_tag`, [idTag]));
      if (rows.length > 0) await markListEntries(tx, idTag);
      return rows.length > 0;
    });
  }

  /**
   * Serialises, until `tx` ends, the StartTransactions of one token (in any case) across stations
   * and replicas: each start's ConcurrentTx check then sees the transaction a start committed before it.
   */
  async lockStarts(tx: EntityManager, idTag: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('id_tag_starts:' || lower($1)))`, [idTag]);
  }

  /**
   * True when the tag (in any case) is in a transaction other than `exceptTransactionId`: running
   * now, or with `at`, running at that instant (started at or before it, not stopped by then).
   * A charger discards a StopTransaction after its retries (OCPP 1.6 §3.7.1), which would leave the
   * tag "running" for ever and every later Authorize of the card ConcurrentTx. A connector holds one
   * transaction at a time, so one counts as ended (by `at`) once a later transaction started on its
   * connector, or the connector reported a status that has no transaction on it since its start
   * (OCPP 1.6 §7.7): `Available`, `Preparing`, `Reserved`, or `Finishing`, which is "a transaction has
   * stopped" with the cable still in (a card stopping a session whose car stays plugged overnight);
   * `Unavailable` only after a reboot or an Inoperative request (`noTransactionStatusSql`).
   * `startingOn`: the connector a StartTransaction (at `at`) is on. That start ends any earlier one on
   * the same connector, though it is not stored yet: the driver starting again where the lost stop
   * was is not concurrent with it. A transaction on another connector still counts.
   */
  async inActiveTransaction(
    idTag: string,
    exceptTransactionId?: number,
    at?: Date,
    startingOn?: { stationId: string; connectorId: number },
    m: EntityManager = this.db.manager,
  ): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `SELECT 1 FROM transactions t WHERE lower(t.id_tag) = lower($1) AND t.orphan = false AND t.transaction_id <> $2
         AND CASE WHEN $3::timestamptz IS NULL THEN t.stopped_at IS NULL ELSE t.started_at <= $3 AND (t.stopped_at IS NULL OR t.stopped_at > $3) END
         AND NOT ${endedWithoutStopSql('t', "COALESCE($3::timestamptz, 'infinity')")}
         AND ($4::text IS NULL OR t.station_id <> $4 OR t.connector_id <> $5 OR t.started_at >= COALESCE($3::timestamptz, 'infinity'))
       LIMIT 1`,
      [idTag, exceptTransactionId ?? -1, at ?? null, startingOn?.stationId ?? null, startingOn?.connectorId ?? null],
    );
    return rows.length > 0;
  }
}

/**
 * The token changed: every local list entry of it (any case) may now hold an outdated IdTagInfo.
 * A fresh time per change (clock_timestamp): a sync clears only the mark it read, never a later change's.
 */
async function markListEntries(tx: EntityManager, idTag: string): Promise<void> {
  await tx.query(`UPDATE local_list_entries SET sync_needed_at = clock_timestamp() WHERE id_tag_key = lower($1)`, [idTag]);
}
