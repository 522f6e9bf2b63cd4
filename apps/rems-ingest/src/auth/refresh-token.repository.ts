import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export interface RefreshTokenRow {
  jti: string;
  transceiverId: string;
  generation: number;
  expiresAt: Date;
  rotatedAt: Date | null;
  revokedAt: Date | null;
}

/** Issued refresh tokens, so they can be rotated and revoked. */
@Injectable()
export class RefreshTokenRepository {
  async insert(tx: EntityManager, row: { jti: string; transceiverId: string; generation: number; expiresAt: Date }): Promise<void> {
    await tx.query(`INSERT INTO refresh_token (jti, transceiver_id, generation, expires_at) VALUES ($1, $2, $3, $4)`, [row.jti, row.transceiverId, row.generation, row.expiresAt]);
  }

  async lock(tx: EntityManager, jti: string): Promise<RefreshTokenRow | undefined> {
    const rows: RefreshTokenRow[] = await tx.query(
      `SELECT jti, transceiver_id AS "transceiverId", generation, expires_at AS "expiresAt", rotated_at AS "rotatedAt", revoked_at AS "revokedAt"
       FROM refresh_token WHERE jti = $1 FOR UPDATE`,
      [jti],
    );
    return rows[0];
  }

  async markRotated(tx: EntityManager, jti: string, at: Date): Promise<void> {
    await tx.query(`UPDATE refresh_token SET rotated_at = $2 WHERE jti = $1 AND rotated_at IS NULL`, [jti, at]);
  }

  async revokeAll(tx: EntityManager, transceiverId: string, at: Date): Promise<void> {
    await tx.query(`UPDATE refresh_token SET revoked_at = $2 WHERE transceiver_id = $1 AND revoked_at IS NULL`, [transceiverId, at]);
  }
}
