import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { GroupReading, WindowVerdict } from './windows.js';

/** A connector's registers and what the planner allowed it, for one sample (SQL only). */
export interface ConnectorSampleRow {
  readonly stationId: string;
  readonly connectorId: number;
  readonly energyWh?: number;
  readonly seenWh?: number;
  readonly seenAtMs?: number;
  readonly energyAtMs?: number;
  readonly sessionStartedAtMs?: number;
  readonly powerW?: number;
  readonly sessionActive: boolean;
  readonly allocationStatus?: string;
  readonly allowedW?: number;
  readonly maxW: number;
}

const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));

/** Group register readings, compliance windows and hourly demand (SQL only). */
@Injectable()
export class ComplianceRepository {
  constructor(private readonly db: DataSource) {}

  transaction<T>(fn: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  /** One sampler per group at a time across replicas, so no register delta is counted twice. */
  async lockGroup(tx: EntityManager, groupId: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('planner-meter'), hashtext($1))`, [groupId]);
  }

  async hasReading(tx: EntityManager, groupId: string, at: Date): Promise<boolean> {
    const rows: unknown[] = await tx.query(`SELECT 1 FROM group_meter_readings WHERE group_id = $1 AND at = $2`, [groupId, at]);
    return rows.length > 0;
  }

  async lastReading(tx: EntityManager, groupId: string): Promise<GroupReading | undefined> {
    const rows: { at: Date; energy_wh: number }[] = await tx.query(`SELECT at, energy_wh FROM group_meter_readings WHERE group_id = $1 ORDER BY at DESC LIMIT 1`, [groupId]);
    return rows[0] ? { atMs: rows[0].at.getTime(), energyWh: Number(rows[0].energy_wh) } : undefined;
  }

  async connectors(tx: EntityManager, groupId: string, voltage: number): Promise<ConnectorSampleRow[]> {
    const rows: Record<string, unknown>[] = await tx.query(
      `SELECT c.station_id, c.connector_id, st.energy_wh, seen.energy_wh AS seen_wh, seen.seen_at, st.energy_at, st.session_started_at, st.power_w, st.transaction_id IS NOT NULL AS session_active,
         a.status AS allocation_status, a.power_w AS allowed_w, c.max_current_a::float8 * $2 * c.phases AS max_w
       FROM group_connectors c JOIN group_stations s ON s.station_id = c.station_id
       LEFT JOIN connector_state st ON st.station_id = c.station_id AND st.connector_id = c.connector_id
       LEFT JOIN connector_energy_seen seen ON seen.station_id = c.station_id AND seen.connector_id = c.connector_id
       LEFT JOIN connector_allocation a ON a.station_id = c.station_id AND a.connector_id = c.connector_id
       WHERE s.group_id = $1`,
      [groupId, voltage],
    );
    return rows.map((r) => ({
      stationId: String(r['station_id']),
      connectorId: Number(r['connector_id']),
      energyWh: num(r['energy_wh']),
      seenWh: num(r['seen_wh']),
      seenAtMs: (r['seen_at'] as Date | null)?.getTime(),
      energyAtMs: (r['energy_at'] as Date | null)?.getTime(),
      sessionStartedAtMs: (r['session_started_at'] as Date | null)?.getTime(),
      powerW: num(r['power_w']),
      sessionActive: r['session_active'] === true,
      allocationStatus: (r['allocation_status'] as string | null) ?? undefined,
      allowedW: num(r['allowed_w']),
      maxW: Number(r['max_w']),
    }));
  }

  async saveSeen(tx: EntityManager, seen: { stationId: string; connectorId: number; energyWh: number }[], at: Date): Promise<void> {
    if (seen.length === 0) return;
    await tx.query(
      `INSERT INTO connector_energy_seen (station_id, connector_id, energy_wh, seen_at)
       SELECT r.station_id, r.connector_id, r.energy_wh, $2 FROM jsonb_to_recordset($1::jsonb) AS r(station_id text, connector_id int, energy_wh float8)
       ON CONFLICT (station_id, connector_id) DO UPDATE SET energy_wh = EXCLUDED.energy_wh, seen_at = EXCLUDED.seen_at`,
      [JSON.stringify(seen.map((s) => ({ station_id: s.stationId, connector_id: s.connectorId, energy_wh: s.energyWh }))), at],
    );
  }

  async insertReading(tx: EntityManager, groupId: string, at: Date, r: { energyWh: number; powerW: number; demandW: number; meterAgeMs?: number }): Promise<void> {
    await tx.query(`INSERT INTO group_meter_readings (group_id, at, energy_wh, power_w, demand_w, meter_age_ms) VALUES ($1, $2, $3, $4, $5, $6)`, [
      groupId,
      at,
      r.energyWh,
      r.powerW,
      r.demandW,
      // A session that never reported is infinitely stale; the column keeps a large finite value.
      r.meterAgeMs === undefined ? null : Math.min(r.meterAgeMs, Number.MAX_VALUE),
    ]);
  }

  async addDemand(tx: EntityManager, groupId: string, hourStart: Date, demandW: number): Promise<void> {
    await tx.query(
      `INSERT INTO demand_hourly (group_id, hour_start, demand_w_sum, samples) VALUES ($1, $2, $3, 1)
       ON CONFLICT (group_id, hour_start) DO UPDATE SET demand_w_sum = demand_hourly.demand_w_sum + EXCLUDED.demand_w_sum, samples = demand_hourly.samples + 1`,
      [groupId, hourStart, demandW],
    );
  }

  async readings(groupId: string, fromMs: number, toMs: number, m: EntityManager = this.db.manager): Promise<GroupReading[]> {
    const rows: { at: Date; energy_wh: number; meter_age_ms: number | null }[] = await m.query(`SELECT at, energy_wh, meter_age_ms FROM group_meter_readings WHERE group_id = $1 AND at >= $2 AND at <= $3 ORDER BY at`, [
      groupId,
      new Date(fromMs),
      new Date(toMs),
    ]);
    return rows.map((r) => ({ atMs: r.at.getTime(), energyWh: Number(r.energy_wh), meterAgeMs: r.meter_age_ms === null ? undefined : Number(r.meter_age_ms) }));
  }

  /** The first reading ever, and the end of the last window judged, for where to continue. */
  async judgingState(tx: EntityManager, groupId: string): Promise<{ firstReadingMs?: number; lastJudgedEndMs?: number }> {
    const rows: { first: Date | null; judged: Date | null }[] = await tx.query(
      `SELECT (SELECT min(at) FROM group_meter_readings WHERE group_id = $1) AS first,
              (SELECT max(window_end) FROM compliance_windows WHERE group_id = $1) AS judged`,
      [groupId],
    );
    return { firstReadingMs: rows[0]?.first?.getTime(), lastJudgedEndMs: rows[0]?.judged?.getTime() };
  }

  async saveWindow(tx: EntityManager, groupId: string, v: WindowVerdict, margin: number, sources: unknown, atMs: number): Promise<void> {
    await tx.query(
      `INSERT INTO compliance_windows (group_id, window_start, window_end, allowed_wh, measured_wh, compliant, margin, sources, evaluated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (group_id, window_start) DO NOTHING`,
      [groupId, new Date(v.startMs), new Date(v.endMs), v.allowedWh, v.measuredWh ?? null, v.compliant ?? null, margin, JSON.stringify(sources), new Date(atMs)],
    );
  }

  async windows(groupId: string, fromMs: number, toMs: number): Promise<Record<string, unknown>[]> {
    return this.db.query(
      `SELECT window_start AS "start", window_end AS "end", allowed_wh AS "allowedWh", measured_wh AS "measuredWh", compliant, margin, sources
       FROM compliance_windows WHERE group_id = $1 AND window_start >= $2 AND window_start < $3 ORDER BY window_start`,
      [groupId, new Date(fromMs), new Date(toMs)],
    );
  }

  async hourlyDemand(groupId: string, sinceMs: number): Promise<{ hourStartMs: number; demandW: number }[]> {
    const rows: { hour_start: Date; avg: number }[] = await this.db.query(
      `SELECT hour_start, demand_w_sum / samples AS avg FROM demand_hourly WHERE group_id = $1 AND hour_start >= $2 ORDER BY hour_start`,
      [groupId, new Date(sinceMs)],
    );
    return rows.map((r) => ({ hourStartMs: r.hour_start.getTime(), demandW: Number(r.avg) }));
  }
}
