import { createIndexConcurrently, withBriefLock } from '@cpo/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

const INDEX = 'meter_readings_sent';

/**
 * `meter_readings.sent_at`: the `timestamp` a MeterValue carried when it was stored at another time:
 * its stamp corrected by the connection's clock offset (time.ts `correctedTime`), or its receipt for
 * a stamp far ahead. The charger resends a MeterValues whose answer was lost on its next connection,
 * where the offset is not measured yet (or is another): stored at its stamp, or at another receipt,
 * the resend no longer equalled the reading stored at the corrected time and was stored twice. The
 * resend check (transactions/resent-readings.ts) matches the stamp as sent here.
 *
 * Null for every reading stored at its stamp, nearly all: written by the usual insert as one more
 * JSON key only when set, and the partial index holds only the others, so the hot path pays nothing
 * for it. The build reads the whole table once (concurrently: it stays writable); no backfill, the
 * stamps of readings stored before are not known.
 */
export class MeterReadingSentStamp1766000007620 implements MigrationInterface {
  name = 'MeterReadingSentStamp1766000007620';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    // A catalogue change, but behind a long reader it would hold every reading's insert: brief tries.
    await withBriefLock(q, `ALTER TABLE meter_readings ADD COLUMN IF NOT EXISTS sent_at timestamptz`);
    await createIndexConcurrently(q, INDEX, `meter_readings (station_id, sent_at) WHERE sent_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ${INDEX}`);
    await q.query(`ALTER TABLE meter_readings DROP COLUMN IF EXISTS sent_at`);
  }
}
