import { returnedRows } from '@cpo/platform';
import { Injectable } from '@nestjs/common';
import type { ConnectorLimit } from '@cpo/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { connectorProfileId, runningTransactionProfileId } from './profile-builder.js';
import { toRow, type DesiredProfileRow, type ProfileState, type StationProfileRow } from './charging-profile.rows.js';

export { toRow, type DesiredProfileRow, type ProfileState, type StationProfileRow } from './charging-profile.rows.js';

/** Serialises the plans of one station across consumers and replicas (transaction-scoped). */
const PLAN_LOCK = `SELECT pg_advisory_xact_lock(hashtext('ocpp-station-plan'), hashtext($1))`;

/**
 * An applied profile at stack level 1 with an end (a lease), accepted more than the parameter's seconds ago, of a
 * plan that has not ended (renewing an ended plan would only send it again to lapse).
 */
const leaseDue = (olderThanSParam: string) => `state = 'applied' AND applied->>'stackLevel' = '1' AND applied->'chargingSchedule' ? 'duration' AND applied_at < now() - make_interval(secs => ${olderThanSParam}::int)
  AND (desired->'schedule'->>'durationS' IS NULL
       OR (desired->'schedule'->>'startSchedule')::timestamptz + make_interval(secs => (desired->'schedule'->>'durationS')::float8) > now())`;

/**
 * The station cap row held by the connectors' own profiles (`cap-shares.ts`): it records one share
 * (TxDefaultProfile 100+n) as its form, but every connector without a plan holds one.
 */
const HELD_BY_SHARES = `(connector_id = 0 AND applied->>'chargingProfilePurpose' = 'TxDefaultProfile'
  AND (applied->>'chargingProfileId')::int BETWEEN ${connectorProfileId(1)} AND ${connectorProfileId(99)})`;

/**
 * The highest connector of station $1 that reported a status, has a desired profile, or had a
 * session (0 when none): a session may start without any status of its connector
 * (`transaction.handlers.ts`). Everything that raises the socket replica's count (`ConnectorSplits`)
 * is here for good, so a pass on another replica never splits over fewer connectors than it holds
 * (it would not split again: it compares with its own count). The transactions' max is an
 * index-only scan of the start key (station_id, connector_id, …).
 */
const KNOWN_CONNECTORS = `COALESCE((SELECT max(connector_id) FROM connectors WHERE station_id = $1), 0),
  COALESCE((SELECT max(connector_id) FROM charging_profiles WHERE station_id = $1 AND state <> 'cleared'), 0),
  COALESCE((SELECT max(connector_id) FROM transactions WHERE station_id = $1), 0)`;

/** Desired (from the planner) versus applied (what the charger accepted) charging profiles per station. */
@Injectable()
export class ChargingProfileRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Takes the station's plan lock for the rest of `tx` and tells whether a plan newer than one that
   * occurred at `occurredAt` is stored already (by the producer's `occurredAt` kept with each row).
   */
  async lockAndCheckNewer(tx: EntityManager, stationId: string, occurredAt: string): Promise<{ newer: boolean; newestAt: Date | null }> {
    await tx.query(PLAN_LOCK, [stationId]);
    const [row]: { newest: Date | null; newer: boolean | null }[] = await tx.query(
      `SELECT max(plan_occurred_at) AS newest, max(plan_occurred_at) > $2::timestamptz AS newer FROM charging_profiles WHERE station_id = $1`,
      [stationId, occurredAt],
    );
    return { newer: row?.newer === true, newestAt: row?.newest ?? null };
  }

  /** The station's desired limits (not cleared) by profile id, as `tx` sees them: what a new plan replaces. */
  async desiredLimits(tx: EntityManager, stationId: string): Promise<Map<number, ConnectorLimit>> {
    const rows: { charging_profile_id: number; desired: ConnectorLimit }[] = await tx.query(
      `SELECT charging_profile_id, desired FROM charging_profiles WHERE station_id = $1 AND state <> 'cleared'`,
      [stationId],
    );
    return new Map(rows.map((r) => [Number(r.charging_profile_id), r.desired]));
  }

  /**
   * A new desired limit has not been checked yet: the previous plan's check goes with it (operator
   * view). A row holding a plan that occurred later than `planOccurredAt` is kept (never an older
   * plan over a newer one); a plan without that time replaces whatever is there.
   */
  async upsertDesired(
    tx: EntityManager,
    row: Pick<DesiredProfileRow, 'stationId' | 'chargingProfileId' | 'connectorId' | 'purpose' | 'stackLevel' | 'desired' | 'planId'> & { planOccurredAt: string | null },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO charging_profiles (station_id, charging_profile_id, connector_id, purpose, stack_level, desired, plan_id, plan_occurred_at, desired_at, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), 'pending')
       ON CONFLICT (station_id, charging_profile_id) DO UPDATE SET connector_id = EXCLUDED.connector_id, purpose = EXCLUDED.purpose, stack_level = EXCLUDED.stack_level,
         desired = EXCLUDED.desired, plan_id = EXCLUDED.plan_id, plan_occurred_at = EXCLUDED.plan_occurred_at, desired_at = now(), state = 'pending', attempts = 0,
         verification = NULL, verified_limit = NULL, verified_at = NULL
       WHERE charging_profiles.plan_occurred_at IS NULL OR EXCLUDED.plan_occurred_at IS NULL OR charging_profiles.plan_occurred_at <= EXCLUDED.plan_occurred_at`,
      [row.stationId, row.chargingProfileId, row.connectorId, row.purpose, row.stackLevel, JSON.stringify(row.desired), row.planId, row.planOccurredAt],
    );
  }

  /**
   * The station's desired profiles (not cleared), each with why it is due: not yet applied (pending,
   * or failed without an answer), or with `leasesOlderThanS` an applied one whose lease is due for
   * renewal.
   */
  async forStation(stationId: string, leasesOlderThanS?: number): Promise<StationProfileRow[]> {
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT *, CASE WHEN state IN ('pending', 'failed') THEN 'unapplied' WHEN $2::int IS NOT NULL AND ${leaseDue('$2')} THEN 'lease' END AS due
         FROM charging_profiles WHERE station_id = $1 AND state <> 'cleared' ORDER BY connector_id`,
      [stationId, leasesOlderThanS ?? null],
    );
    return rows.map((r) => ({ ...toRow(r), due: (r['due'] as StationProfileRow['due']) ?? null }));
  }

  /** The grid-limit profiles (not cleared) of each of `stationIds`, for the operator rules. */
  async managedOf(stationIds: string[]): Promise<Map<string, DesiredProfileRow[]>> {
    const rows: Record<string, unknown>[] = await this.db.query(`SELECT * FROM charging_profiles WHERE station_id = ANY($1::text[]) AND state <> 'cleared'`, [stationIds]);
    const byStation = new Map<string, DesiredProfileRow[]>();
    for (const row of rows.map(toRow)) byStation.set(row.stationId, [...(byStation.get(row.stationId) ?? []), row]);
    return byStation;
  }

  /**
   * The count a pass splits the station's emulated cap over (`connectorsToShare`): `atLeast` (from
   * the capabilities), raised to the highest connector that reported a status or has a desired
   * profile. Kept with the cap row (`split_over`) in the same statement, before the shares go out,
   * for the replica holding the socket (`splitOf`).
   */
  async recordSplit(stationId: string, atLeast: number): Promise<number> {
    const [row]: { n: number }[] = await this.db.query(
      `WITH known AS (SELECT GREATEST($2::int, ${KNOWN_CONNECTORS}) AS n),
            kept AS (UPDATE charging_profiles SET split_over = (SELECT n FROM known) WHERE station_id = $1 AND connector_id = 0 AND state <> 'cleared' RETURNING 1)
       SELECT n FROM known`,
      [stationId, atLeast],
    );
    return Number(row?.n ?? atLeast);
  }

  /**
   * Where the station's cap is emulated: the count a pass last split it over (on any replica) and
   * the highest connector known now (a status, a plan or the charger's NumberOfConnectors after that
   * split). Undefined otherwise.
   */
  async splitOf(stationId: string): Promise<{ split: number; known: number } | undefined> {
    const [row]: { split: number; known: number }[] = await this.db.query(
      `SELECT p.split_over AS split, GREATEST(${KNOWN_CONNECTORS}, COALESCE((s.capabilities->>'numberOfConnectors')::int, 0)) AS known
         FROM charging_profiles p JOIN stations s ON s.id = p.station_id
        WHERE p.station_id = $1 AND p.connector_id = 0 AND p.state <> 'cleared' AND p.split_over IS NOT NULL
          AND s.capabilities->>'chargePointMaxProfileRefused' = 'true'`,
      [stationId],
    );
    return row ? { split: Number(row.split), known: Number(row.known) } : undefined;
  }

  /**
   * A plan naming a connector beyond every one known so far (`NumberOfConnectors`, statuses, plans),
   * as `tx` sees them before storing the plan, under an emulated cap (not cleared nor rejected):
   * returns whether it does, and puts the cap pending again if applied. The shares must go again
   * over the new count (`emulated-cap.ts`); the older ones would stay at the old, larger split. The
   * consumer's pass after the commit is a resplit for it: a pass already sending the cap over the
   * old count would record it applied over the pending mark.
   */
  async capDueForNewConnector(tx: EntityManager, stationId: string, connectorId: number): Promise<boolean> {
    const rows = returnedRows(await tx.query(
      `UPDATE charging_profiles SET state = CASE WHEN state = 'applied' THEN 'pending' ELSE state END, attempts = CASE WHEN state = 'applied' THEN 0 ELSE attempts END
        WHERE station_id = $1 AND connector_id = 0 AND state IN ('applied', 'pending', 'failed')
          AND EXISTS (SELECT 1 FROM stations s WHERE s.id = $1 AND s.capabilities->>'chargePointMaxProfileRefused' = 'true'
                AND $2 > GREATEST(COALESCE((s.capabilities->>'numberOfConnectors')::int, 0), ${KNOWN_CONNECTORS}))
        RETURNING 1`,
      [stationId, connectorId],
    ));
    return rows.length > 0;
  }

  /** Of these stations, those with an applied leased profile accepted more than `olderThanS` ago. */
  async stationsWithLeasesDue(stationIds: string[], olderThanS: number): Promise<string[]> {
    if (stationIds.length === 0) return [];
    const rows: { station_id: string }[] = await this.db.query(
      `SELECT DISTINCT station_id FROM charging_profiles WHERE station_id = ANY($1::text[]) AND ${leaseDue('$2')}`,
      [stationIds, olderThanS],
    );
    return rows.map((r) => r.station_id);
  }

  /** Stations with profiles still to deliver (not answered: offline or timed out), up to `maxAttempts` tries in a row. */
  async stationsToRetry(maxAttempts: number): Promise<string[]> {
    const rows: { station_id: string }[] = await this.db.query(
      `SELECT DISTINCT station_id FROM charging_profiles WHERE state IN ('pending', 'failed') AND attempts < $1`,
      [maxAttempts],
    );
    return rows.map((r) => r.station_id);
  }

  /** A lease renewal nobody answered: the row stays applied (its lease still holds), one more try counted. */
  async recordRenewalMiss(stationId: string, chargingProfileId: number, result: string, planId: string | null): Promise<void> {
    await this.db.query(
      `UPDATE charging_profiles SET last_result = $3, attempts = attempts + 1
        WHERE station_id = $1 AND charging_profile_id = $2 AND plan_id IS NOT DISTINCT FROM $4::uuid AND state = 'applied'`,
      [stationId, chargingProfileId, result.slice(0, 500), planId],
    );
  }

  /**
   * The applied profiles a ClearChargingProfile may have removed from the charger (`filter` as in
   * the request: by id, else its criteria ANDed, none = all) are no longer applied: pending again,
   * so the retry pass re-sends them. Matched on the form the charger accepted (an emulated cap is
   * id 99, a TxDefaultProfile), and on the running transaction's TxProfile a connector's limit may
   * also have gone out as (id 300+n, same stack level: see RunningTransactionCap), which the retry
   * sends again with it. A station cap held by the connectors' shares goes pending on any clear that
   * may have hit a connector's TxDefaultProfile (a share other than the one it records too): the
   * connector would otherwise run unlimited while the cap reads applied. `notHeld`: the charger
   * answered `Unknown`, it holds none of what the request names and removed nothing: only the rows
   * whose accepted form it names are not there (not those whose TxProfile copy it may name). Returns their connectors.
   */
  async markCleared(stationId: string, filter: { id?: number; connectorId?: number; chargingProfilePurpose?: string; stackLevel?: number }, result: string, notHeld = false): Promise<number[]> {
    const rows: { connector_id: number }[] = returnedRows(await this.db.query(
      `UPDATE charging_profiles SET state = 'pending', attempts = 0, applied = NULL, applied_at = NULL, last_result = $6,
         verification = NULL, verified_limit = NULL, verified_at = NULL
       WHERE station_id = $1 AND state = 'applied' AND CASE WHEN $2::int IS NOT NULL THEN (applied->>'chargingProfileId')::int = $2 OR (NOT $8 AND connector_id > 0 AND $2 = $7 + connector_id)
           OR (${HELD_BY_SHARES} AND $2 BETWEEN ${connectorProfileId(1)} AND ${connectorProfileId(99)})
         ELSE ($3::int IS NULL OR connector_id = $3 OR (${HELD_BY_SHARES} AND $3 > 0)) AND ($4::text IS NULL OR applied->>'chargingProfilePurpose' = $4 OR (NOT $8 AND $4 = 'TxProfile' AND connector_id > 0))
           AND ($5::int IS NULL OR (applied->>'stackLevel')::int = $5 OR ${HELD_BY_SHARES}) END
       RETURNING connector_id`,
      [stationId, filter.id ?? null, filter.connectorId ?? null, filter.chargingProfilePurpose ?? null, filter.stackLevel ?? null, result.slice(0, 500), runningTransactionProfileId(0), notHeld],
    ));
    return rows.map((r) => Number(r.connector_id));
  }

  /**
   * The charger accepted `sent`, a profile of a plan the row no longer holds: sent after the row's
   * newer plan (a pass that read the row before that plan arrived), it replaced that plan's profile
   * on the charger (same id). The row records what the charger holds (`sent`; undefined for the
   * running transaction's TxProfile copy, which is not the row's form) and, if it read applied, is
   * pending again, so its plan is sent once more (by the dispatcher right after its pass, else by the retry pass). No change while the row holds
   * `stalePlanId`. Returns whether the row is pending now.
   */
  async reopenAfterStaleAccept(tx: EntityManager, stationId: string, chargingProfileId: number, stalePlanId: string | null, sent: Record<string, unknown> | undefined, result: string): Promise<boolean> {
    const rows = returnedRows<{ state: string }>(await tx.query(
      `UPDATE charging_profiles SET applied = COALESCE($4::jsonb, applied), applied_at = CASE WHEN $4::jsonb IS NULL THEN applied_at ELSE now() END, last_result = $5,
         state = CASE WHEN state = 'applied' THEN 'pending' ELSE state END, attempts = CASE WHEN state = 'applied' THEN 0 ELSE attempts END,
         verification = NULL, verified_limit = NULL, verified_at = NULL
       WHERE station_id = $1 AND charging_profile_id = $2 AND plan_id IS DISTINCT FROM $3::uuid AND state <> 'cleared' RETURNING state`,
      [stationId, chargingProfileId, stalePlanId, sent === undefined ? null : JSON.stringify(sent), result.slice(0, 500)],
    ));
    return rows.some((r) => r.state === 'pending');
  }

  /**
   * Whether the row holds `planId` applied by a pass that recorded it at or after `since` (locked for
   * the rest of `tx`: a pass recording it concurrently is waited for and then seen). The row is
   * locked by its key and the condition read from the version the lock returns: with the condition
   * in the WHERE, a row still pending in our snapshot (the other pass's update not committed) is
   * skipped without waiting, and both passes publish `applied`.
   */
  async appliedSince(tx: EntityManager, stationId: string, chargingProfileId: number, planId: string | null, since: Date): Promise<boolean> {
    const rows: { hit: boolean }[] = await tx.query(
      `SELECT (plan_id IS NOT DISTINCT FROM $3::uuid AND state = 'applied' AND applied_at >= $4::timestamptz) AS hit
         FROM charging_profiles WHERE station_id = $1 AND charging_profile_id = $2 FOR UPDATE`,
      [stationId, chargingProfileId, planId, since.toISOString()],
    );
    return rows[0]?.hit === true;
  }

  async recordOutcome(
    tx: EntityManager,
    stationId: string,
    chargingProfileId: number,
    o: { state: ProfileState; applied?: Record<string, unknown>; result: string; planId: string | null; unlessAppliedSince?: Date },
  ): Promise<boolean> {
    // Only if the row still holds the plan we sent: a newer plan that arrived meanwhile stays pending.
    // With `unlessAppliedSince` (a failure), not over the same plan applied since then by another pass.
    // `attempts` counts the tries in a row without success: an accepted one (a lease renewal too)
    // starts the count again, so a later timeout is retried like a first one.
    const rows = returnedRows(await tx.query(
      `UPDATE charging_profiles SET state = $3, applied = COALESCE($4::jsonb, applied), applied_at = CASE WHEN $4::jsonb IS NULL THEN applied_at ELSE now() END,
         last_result = $5, attempts = CASE WHEN $3 = 'applied' THEN 0 ELSE attempts + 1 END
       WHERE station_id = $1 AND charging_profile_id = $2 AND plan_id IS NOT DISTINCT FROM $6::uuid
         AND NOT ($7::timestamptz IS NOT NULL AND state = 'applied' AND applied_at >= $7::timestamptz) RETURNING 1`,
      [stationId, chargingProfileId, o.state, o.applied === undefined ? null : JSON.stringify(o.applied), o.result.slice(0, 500), o.planId, o.unlessAppliedSince?.toISOString() ?? null],
    ));
    return rows.length > 0;
  }
}
