import { returnedRows } from '@cpo/platform';
import { Injectable } from '@nestjs/common';
import type { ConnectorLimit } from '@cpo/contracts';
import { DataSource, type EntityManager } from 'typeorm';

export type ProfileState = 'pending' | 'applied' | 'rejected' | 'failed' | 'cleared';

export interface DesiredProfileRow {
  stationId: string;
  chargingProfileId: number;
  connectorId: number;
  purpose: string;
  stackLevel: number;
  desired: ConnectorLimit;
  planId: string | null;
  desiredAt: Date;
  state: ProfileState;
  applied: Record<string, unknown> | null;
  appliedAt: Date | null;
  lastResult: string | null;
  attempts: number;
}

function toRow(r: Record<string, unknown>): DesiredProfileRow {
  return {
    stationId: r['station_id'] as string,
    chargingProfileId: Number(r['charging_profile_id']),
    connectorId: Number(r['connector_id']),
    purpose: r['purpose'] as string,
    stackLevel: Number(r['stack_level']),
    desired: r['desired'] as ConnectorLimit,
    planId: (r['plan_id'] as string | null) ?? null,
    desiredAt: r['desired_at'] as Date,
    state: r['state'] as ProfileState,
    applied: (r['applied'] as Record<string, unknown> | null) ?? null,
    appliedAt: (r['applied_at'] as Date | null) ?? null,
    lastResult: (r['last_result'] as string | null) ?? null,
    attempts: Number(r['attempts']),
  };
}

/**
 * An applied profile at stack level 1 with an end (a lease), accepted more than $3 seconds ago, of a
 * plan that has not ended (renewing an ended plan would only send it again to lapse).
 */
const LEASE_DUE = `state = 'applied' AND applied->>'stackLevel' = '1' AND applied->'chargingSchedule' ? 'duration' AND applied_at < now() - make_interval(secs => $3::int)
  AND (desired->'schedule'->>'durationS' IS NULL
       OR (desired->'schedule'->>'startSchedule')::timestamptz + make_interval(secs => (desired->'schedule'->>'durationS')::float8) > now())`;

/** Desired (from the planner) versus applied (what the charger accepted) charging profiles per station. */
@Injectable()
export class ChargingProfileRepository {
  constructor(private readonly db: DataSource) {}

  /** A new desired limit has not been checked yet: the previous plan's check goes with it (operator view). */
  async upsertDesired(tx: EntityManager, row: Pick<DesiredProfileRow, 'stationId' | 'chargingProfileId' | 'connectorId' | 'purpose' | 'stackLevel' | 'desired' | 'planId'>): Promise<void> {
    await tx.query(
      `INSERT INTO charging_profiles (station_id, charging_profile_id, connector_id, purpose, stack_level, desired, plan_id, desired_at, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now(), 'pending')
       ON CONFLICT (station_id, charging_profile_id) DO UPDATE SET connector_id = EXCLUDED.connector_id, purpose = EXCLUDED.purpose, stack_level = EXCLUDED.stack_level,
         desired = EXCLUDED.desired, plan_id = EXCLUDED.plan_id, desired_at = now(), state = 'pending', attempts = 0,
         verification = NULL, verified_limit = NULL, verified_at = NULL`,
      [row.stationId, row.chargingProfileId, row.connectorId, row.purpose, row.stackLevel, JSON.stringify(row.desired), row.planId],
    );
  }

  /**
   * The station's desired profiles: all of them, or only those not yet applied (pending, or failed
   * without an answer), plus with `leasesOlderThanS` the applied ones whose lease is due for renewal.
   */
  async forStation(stationId: string, onlyUnapplied: boolean, leasesOlderThanS?: number): Promise<DesiredProfileRow[]> {
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT * FROM charging_profiles WHERE station_id = $1 AND state <> 'cleared'
         AND ($2::boolean = false OR state IN ('pending', 'failed') OR ($3::int IS NOT NULL AND ${LEASE_DUE})) ORDER BY connector_id`,
      [stationId, onlyUnapplied, leasesOlderThanS ?? null],
    );
    return rows.map(toRow);
  }

  /** Of these stations, those with an applied leased profile accepted more than `olderThanS` ago. */
  async stationsWithLeasesDue(stationIds: string[], olderThanS: number): Promise<string[]> {
    if (stationIds.length === 0) return [];
    const rows: { station_id: string }[] = await this.db.query(
      `SELECT DISTINCT station_id FROM charging_profiles WHERE station_id = ANY($1::text[]) AND ${LEASE_DUE.replaceAll('$3', '$2')}`,
      [stationIds, olderThanS],
    );
    return rows.map((r) => r.station_id);
  }

  /** Stations with profiles still to deliver (never answered: offline or timed out), up to `maxAttempts` tries. */
  async stationsToRetry(maxAttempts: number): Promise<string[]> {
    const rows: { station_id: string }[] = await this.db.query(
      `SELECT DISTINCT station_id FROM charging_profiles WHERE state IN ('pending', 'failed') AND attempts < $1`,
      [maxAttempts],
    );
    return rows.map((r) => r.station_id);
  }

  async recordOutcome(
    tx: EntityManager,
    stationId: string,
    chargingProfileId: number,
    o: { state: ProfileState; applied?: Record<string, unknown>; result: string; planId: string | null },
  ): Promise<boolean> {
    // Only if the row still holds the plan we sent: a newer plan that arrived meanwhile stays pending.
    const rows = returnedRows(await tx.query(
      `UPDATE charging_profiles SET state = $3, applied = COALESCE($4::jsonb, applied), applied_at = CASE WHEN $4::jsonb IS NULL THEN applied_at ELSE now() END,
         last_result = $5, attempts = attempts + 1
       WHERE station_id = $1 AND charging_profile_id = $2 AND plan_id IS NOT DISTINCT FROM $6::uuid RETURNING 1`,
      [stationId, chargingProfileId, o.state, o.applied === undefined ? null : JSON.stringify(o.applied), o.result.slice(0, 500), o.planId],
    ));
    return rows.length > 0;
  }
}
