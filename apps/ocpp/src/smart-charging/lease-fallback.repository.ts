import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { BuiltProfile } from './profile-builder.js';

/** What makes a fallback the same one again: its slot (purpose, stack level) and its limit (unit, value, phases); not its start. */
export function fallbackForm(built: BuiltProfile): string {
  const { chargingProfilePurpose, stackLevel, chargingSchedule } = built.profile;
  const period = chargingSchedule.chargingSchedulePeriod[0];
  return JSON.stringify([chargingProfilePurpose, stackLevel, chargingSchedule.chargingRateUnit, period?.limit ?? null, period?.numberPhases ?? null]);
}

/**
 * The lease fallbacks the chargers accepted (`lease_fallbacks`), in the database so that whichever
 * replica runs a station's pass (the socket's, or another through the bus) knows alike whether one
 * is installed. Times are this service's clock: `sent_at` is compared with a pass's start only.
 */
@Injectable()
export class LeaseFallbackRepository {
  constructor(private readonly db: DataSource) {}

  /** Whether the connector's charger accepted `form`, sent at or after `since` when given. */
  async installed(stationId: string, connectorId: number, form: string, since?: Date): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM lease_fallbacks WHERE station_id = $1 AND connector_id = $2 AND form = $3 AND ($4::timestamptz IS NULL OR sent_at >= $4::timestamptz)`,
      [stationId, connectorId, form, since?.toISOString() ?? null],
    );
    return rows.length > 0;
  }

  /**
   * The charger accepted `form`, sent at `sentAt`; an answer to an earlier send arriving late does
   * not replace it, nor one to a send from before the connector's forget (kept as a row without a
   * form): a clear may have removed it since.
   */
  async accepted(stationId: string, connectorId: number, form: string, sentAt: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO lease_fallbacks (station_id, connector_id, form, sent_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (station_id, connector_id) DO UPDATE SET form = EXCLUDED.form, sent_at = EXCLUDED.sent_at
       WHERE lease_fallbacks.sent_at <= EXCLUDED.sent_at`,
      [stationId, connectorId, form, sentAt.toISOString()],
    );
  }

  /**
   * The connector's fallback (every connector's when undefined) may be gone from the charger. A
   * connector's (a clear, a failed send) is kept as a row without a form at this moment rather than
   * deleted: a pass's acceptance of an earlier send, written after it, must not count. A station's
   * (every connect and boot) deletes, a write only when there is something to forget: the pass that
   * follows it counts only what it sent itself (`since`), and its own send or failure supersedes a
   * late acceptance.
   */
  async forget(stationId: string, connectorId?: number, at: Date = new Date()): Promise<void> {
    if (connectorId === undefined) {
      await this.db.query(`DELETE FROM lease_fallbacks WHERE station_id = $1`, [stationId]);
      return;
    }
    await this.db.query(
      `INSERT INTO lease_fallbacks (station_id, connector_id, form, sent_at) VALUES ($1, $2, '', $3)
       ON CONFLICT (station_id, connector_id) DO UPDATE SET form = '', sent_at = greatest(lease_fallbacks.sent_at, EXCLUDED.sent_at)`,
      [stationId, connectorId, at.toISOString()],
    );
  }
}
