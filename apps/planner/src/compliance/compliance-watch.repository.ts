import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ConnectorMeter } from './margin.js';
import type { RegisterReading } from './window-budget.js';

/** A group connector's live metering, as the window budget needs it. */
export interface ConnectorLive extends ConnectorMeter {
  readonly powerW: number;
}

/**
 * Reads for the live window view (SQL only). The group register readings and judged windows are
 * written by the compliance sampler (compliance-windows/); this only reads them.
 */
@Injectable()
export class ComplianceWatchRepository {
  constructor(private readonly db: DataSource) {}

  /** Group register readings in `[fromMs, toMs]`, oldest first. */
  async readings(groupId: string, fromMs: number, toMs: number): Promise<RegisterReading[]> {
    const rows: { at: Date; energy_wh: number }[] = await this.db.query(
      `SELECT at, energy_wh FROM group_meter_readings WHERE group_id = $1 AND at >= $2 AND at <= $3 ORDER BY at`,
      [groupId, new Date(fromMs), new Date(toMs)],
    );
    return rows.map((r) => ({ atMs: r.at.getTime(), energyWh: Number(r.energy_wh) }));
  }

  /** The group's connectors now: session, last energy register time and measured power. */
  async connectors(groupId: string): Promise<ConnectorLive[]> {
    const rows: { session: boolean; energy_at: Date | null; started: Date | null; power_w: number | null }[] = await this.db.query(
      `SELECT st.transaction_id IS NOT NULL AS session, st.energy_at, st.session_started_at AS started, st.power_w
       FROM group_connectors c JOIN group_stations s ON s.station_id = c.station_id
       LEFT JOIN connector_state st ON st.station_id = c.station_id AND st.connector_id = c.connector_id
       WHERE s.group_id = $1`,
      [groupId],
    );
    return rows.map((r) => ({
      sessionActive: r.session === true,
      energyAtMs: r.energy_at?.getTime(),
      sessionStartedAtMs: r.started?.getTime(),
      powerW: r.session === true ? Math.max(0, Number(r.power_w ?? 0)) : 0,
    }));
  }

  /** When the group's last breached window ended, if any was judged since `sinceMs`. */
  async lastBreachEnd(groupId: string, sinceMs: number): Promise<number | undefined> {
    const rows: { end: Date | null }[] = await this.db.query(
      `SELECT max(window_end) AS end FROM compliance_windows WHERE group_id = $1 AND compliant = false AND window_end >= $2`,
      [groupId, new Date(sinceMs)],
    );
    return rows[0]?.end?.getTime();
  }
}
