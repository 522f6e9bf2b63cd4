import { Injectable } from '@nestjs/common';
import { affectedRows } from '@cpo/platform';
import { DataSource } from 'typeorm';

/** Deletes of data past its retention, in PostgreSQL; no rules here. */
@Injectable()
export class RetentionRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Deletes up to `limit` raw frames received before `cutoff` (found through the BRIN index on
   * received_at); returns how many. Small batches, each its own statement, so ingest never waits
   * long behind a delete.
   */
  async deleteRawFramesBefore(cutoff: Date, limit: number): Promise<number> {
    return affectedRows(
      await this.db.query(`DELETE FROM raw_frame WHERE id IN (SELECT id FROM raw_frame WHERE received_at < $1 LIMIT $2)`, [cutoff, limit]),
    );
  }

  /** Refresh tokens that expired before `before`: no longer usable, and too old for reuse detection to matter. */
  async deleteRefreshTokensExpiredBefore(before: Date): Promise<number> {
    return affectedRows(await this.db.query(`DELETE FROM refresh_token WHERE expires_at < $1`, [before]));
  }
}
