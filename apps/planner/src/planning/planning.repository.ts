import { Injectable } from '@nestjs/common';
import type { ConnectorLimit } from '@cpo/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import type { HysteresisState } from '../allocation/index.js';
import { unansweredSql } from './plan-answers.js';
import type { ConnectorLive, ConnectorTarget, PreviousTarget, PublishedPlan, StationLive } from './round-types.js';

/** A group's infeasibility: the current incident, since when it has lasted, and what was reported. */
export interface IncidentState {
  readonly key?: string;
  readonly sinceMs?: number;
  readonly reported?: string;
}

/** The last round's summary of a group, and its infeasibility. */
export interface GroupRoundRow {
  readonly limitW: number;
  readonly availableW: number;
  readonly allocatedW: number;
  readonly uncontrolledW: number;
  readonly pvCreditW: number;
  readonly source: unknown;
  readonly incident?: IncidentState;
}

const ms = (d: Date | null | undefined): number | undefined => (d ? d.getTime() : undefined);

/** Live state, targets, published plans and round summaries of the planning loop (SQL only). */
@Injectable()
export class PlanningRepository {
  constructor(private readonly db: DataSource) {}

  transaction<T>(fn: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  /** Serialises rounds of one group across replicas for the rest of the transaction. */
  async lockGroup(tx: EntityManager, groupId: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('planner-round'), hashtext($1))`, [groupId]);
  }

  /**
   * Each station's link and obedience, and the plan it acknowledged in full (`acknowledged`) when no
   * later plan may have reached it: every later one failed, and only `Offline` (never sent); and
   * when the first of those failures since the latest connection happened (`offline_since`), as the
   * grace counts from it: a retry failing `Offline` again does not restart it. `answered_at`: the
   * newest instant by which every connector of that plan, or of a newer one, had been answered (a
   * repeat after a boot counts), for the boot rule (offline-grace.ts); the acknowledged plan falls
   * back to `outcome_at` when answered before `answer_times` existed. `failed` / `offline_failed`
   * count the connectors whose latest answer failed (LiveStateRepository.planOutcome): a profile
   * the charger accepted after a `Timeout` or after an `Offline` send acknowledges the plan.
   */
  async stations(tx: EntityManager, groupId: string): Promise<Map<string, StationLive>> {
    const rows: {
      station_id: string;
      connected: boolean | null;
      connected_at: Date | null;
      profile_failures: number | null;
      last_profile_at: Date | null;
      last_profile_result: string | null;
      plan_at: Date | null;
      unanswered: boolean | null;
      acknowledged: ConnectorLimit[] | null;
      answered_at: Date | null;
      booted_at: Date | null;
      offline_since: Date | null;
    }[] = await tx.query(
      `SELECT s.station_id, st.connected, st.connected_at, st.profile_failures, st.last_profile_at, st.last_profile_result, p.created_at AS plan_at, ${unansweredSql('p')} AS unanswered,
         CASE WHEN NOT EXISTS (SELECT 1 FROM station_plans l WHERE l.station_id = s.station_id AND l.seq > a.seq AND NOT (l.applied = 0 AND l.failed > 0 AND l.failed = l.offline_failed))
           THEN a.connectors END AS acknowledged,
         (SELECT max(f.at) FROM station_plans l CROSS JOIN LATERAL (SELECT CASE WHEN bool_and(x.t IS NOT NULL) THEN min(x.t) END AS at
             FROM (SELECT COALESCE((l.answer_times->>(c->>'connectorId'))::timestamptz, CASE WHEN l.seq = a.seq THEN l.outcome_at END) AS t FROM jsonb_array_elements(l.connectors) c) x) f
           WHERE l.station_id = s.station_id AND l.seq >= a.seq) AS answered_at, st.booted_at,
         (SELECT min(l.outcome_at) FROM station_plans l WHERE l.station_id = s.station_id AND l.seq > a.seq AND l.offline_failed > 0
           AND (st.connected_at IS NULL OR l.outcome_at > st.connected_at)) AS offline_since
       FROM group_stations s LEFT JOIN station_state st ON st.station_id = s.station_id
       LEFT JOIN LATERAL (SELECT created_at, applied, failed, expected, answered, connectors FROM station_plans q WHERE q.station_id = s.station_id ORDER BY seq DESC LIMIT 1) p ON true
       LEFT JOIN LATERAL (SELECT seq, connectors FROM station_plans q WHERE q.station_id = s.station_id AND q.failed = 0 AND NOT ${unansweredSql('q')} ORDER BY seq DESC LIMIT 1) a ON true
       WHERE s.group_id = $1`,
      [groupId],
    );
    return new Map(
      rows.map((r) => [
        r.station_id,
        {
          stationId: r.station_id,
          connected: r.connected ?? undefined,
          connectionAtMs: ms(r.connected_at),
          acknowledged: r.acknowledged ?? undefined,
          answeredAtMs: ms(r.answered_at),
          bootedAtMs: ms(r.booted_at),
          offlineSinceMs: ms(r.offline_since),
          profileFailures: r.profile_failures ?? 0,
          lastProfileAtMs: ms(r.last_profile_at),
          lastProfileResult: r.last_profile_result ?? undefined,
          lastPlanAtMs: ms(r.plan_at),
          lastPlanUnanswered: r.unanswered ?? false,
        },
      ]),
    );
  }

  /** Readings since `sinceMs` of each generation source of the group, oldest first. */
  async generation(tx: EntityManager, groupId: string, sinceMs: number): Promise<{ atMs: number; acPowerW: number; fault: boolean }[][]> {
    const rows: { source: string; at: Date; power_w: number; fault: boolean }[] = await tx.query(
      `SELECT g.transceiver_id || '/' || g.port AS source, r.at, r.power_w, r.fault FROM generation_sources g
       JOIN generation_readings r ON r.transceiver_id = g.transceiver_id AND r.port = g.port
       WHERE g.group_id = $1 AND r.at >= $2 ORDER BY source, r.at`,
      [groupId, new Date(sinceMs)],
    );
    const bySource = new Map<string, { atMs: number; acPowerW: number; fault: boolean }[]>();
    for (const r of rows) {
      const list = bySource.get(r.source) ?? [];
      list.push({ atMs: r.at.getTime(), acPowerW: Number(r.power_w), fault: r.fault });
      bySource.set(r.source, list);
    }
    return [...bySource.values()];
  }

  async connectors(tx: EntityManager, groupId: string): Promise<Map<string, ConnectorLive>> {
    const rows: {
      station_id: string;
      connector_id: number;
      status: string | null;
      transaction_id: number | null;
      session_started_at: Date | null;
      power_w: number | null;
      current_a: number | null;
      current_at: Date | null;
    }[] = await tx.query(
      `SELECT c.station_id, c.connector_id, c.status, c.transaction_id, c.session_started_at, c.power_w, c.current_a, c.current_at
       FROM connector_state c JOIN group_stations s ON s.station_id = c.station_id WHERE s.group_id = $1`,
      [groupId],
    );
    return new Map(
      rows.map((r) => [
        `${r.station_id}/${r.connector_id}`,
        {
          stationId: r.station_id,
          connectorId: r.connector_id,
          status: r.status ?? undefined,
          transactionId: r.transaction_id ?? undefined,
          sessionStartedMs: ms(r.session_started_at),
          powerW: r.power_w ?? undefined,
          currentA: r.current_a ?? undefined,
          currentAtMs: ms(r.current_at),
        },
      ]),
    );
  }

  async previousTargets(tx: EntityManager, groupId: string): Promise<Map<string, PreviousTarget>> {
    const rows: {
      station_id: string;
      connector_id: number;
      status: string;
      unit: 'A' | 'W';
      limit_value: number;
      planned_at: Date;
      mode: string | null;
      mode_since: Date | null;
      headroom_ok_since: Date | null;
      ev_under_since: Date | null;
      ev_peak_a: number | null;
    }[] = await tx.query(
      `SELECT station_id, connector_id, status, unit, limit_value, planned_at, mode, mode_since, headroom_ok_since, ev_under_since, ev_peak_a FROM connector_allocation WHERE group_id = $1`,
      [groupId],
    );
    return new Map(
      rows.map((r) => {
        let hysteresis: HysteresisState | undefined;
        if (r.mode === 'charging' && r.mode_since) hysteresis = { mode: 'charging', sinceMs: r.mode_since.getTime() };
        else if (r.mode === 'paused' && r.mode_since) hysteresis = { mode: 'paused', sinceMs: r.mode_since.getTime(), headroomOkSinceMs: ms(r.headroom_ok_since) };
        const evUnderuse = r.ev_under_since && r.ev_peak_a !== null ? { sinceMs: r.ev_under_since.getTime(), peakA: Number(r.ev_peak_a) } : undefined;
        return [`${r.station_id}/${r.connector_id}`, { status: r.status, unit: r.unit, limit: Number(r.limit_value), plannedAtMs: r.planned_at.getTime(), hysteresis, evUnderuse }];
      }),
    );
  }

  /** The latest plan of every station of the group. */
  async publishedPlans(tx: EntityManager, groupId: string): Promise<Map<string, PublishedPlan>> {
    const rows: { plan_id: string; station_id: string; created_at: Date; connectors: ConnectorLimit[]; failed: number; unanswered: boolean }[] = await tx.query(
      `SELECT DISTINCT ON (p.station_id) p.plan_id, p.station_id, p.created_at, p.connectors, p.failed, ${unansweredSql('p')} AS unanswered
       FROM station_plans p JOIN group_stations s ON s.station_id = p.station_id WHERE s.group_id = $1 ORDER BY p.station_id, p.seq DESC`,
      [groupId],
    );
    return new Map(rows.map((r) => [r.station_id, { planId: r.plan_id, createdAtMs: r.created_at.getTime(), connectors: r.connectors, failed: r.failed > 0, unanswered: r.unanswered }]));
  }

  /**
   * Whether a decrease of the group was sent less than `ackTimeoutMs` ago and is not fully answered
   * while its station's latest plan is not either. A decrease superseded before its answer is never
   * answered (the ocpp service sends only the newest plan and reports nothing for the older), so on
   * its own it held every increase of the group for the whole ack timeout; until the newer plan is
   * answered the charger may still hold the limit from before the decrease, so it holds them till then.
   */
  async decreasesPending(tx: EntityManager, groupId: string, ackTimeoutMs: number, nowMs: number): Promise<boolean> {
    const rows: { pending: boolean }[] = await tx.query(
      `SELECT EXISTS (SELECT 1 FROM station_plans p WHERE p.group_id = $1 AND p.direction = 'decrease' AND ${unansweredSql('p')} AND p.created_at >= $2
         AND (SELECT ${unansweredSql('l')} FROM station_plans l WHERE l.station_id = p.station_id ORDER BY l.seq DESC LIMIT 1)) AS pending`,
      [groupId, new Date(nowMs - ackTimeoutMs)],
    );
    return rows[0]?.pending ?? false;
  }

  async saveTargets(tx: EntityManager, groupId: string, targets: readonly ConnectorTarget[], nowMs: number): Promise<void> {
    if (targets.length === 0) return;
    const at = new Date(nowMs);
    await tx.query(
      `INSERT INTO connector_allocation (station_id, connector_id, group_id, status, reason, unit, limit_value, number_phases, power_w, planned_at, mode, mode_since, headroom_ok_since, ev_under_since, ev_peak_a)
       SELECT t.station_id, t.connector_id, $1, t.status, t.reason, t.unit, t.limit_value, t.number_phases, t.power_w, $2, t.mode, t.mode_since, t.headroom_ok_since, t.ev_under_since, t.ev_peak_a
       FROM jsonb_to_recordset($3::jsonb) AS t(station_id text, connector_id int, status text, reason text, unit text, limit_value float8, number_phases int, power_w float8,
            mode text, mode_since timestamptz, headroom_ok_since timestamptz, ev_under_since timestamptz, ev_peak_a float8)
       ON CONFLICT (station_id, connector_id) DO UPDATE SET group_id = EXCLUDED.group_id, status = EXCLUDED.status, reason = EXCLUDED.reason, unit = EXCLUDED.unit,
         limit_value = EXCLUDED.limit_value, number_phases = EXCLUDED.number_phases, power_w = EXCLUDED.power_w, planned_at = EXCLUDED.planned_at,
         mode = EXCLUDED.mode, mode_since = EXCLUDED.mode_since, headroom_ok_since = EXCLUDED.headroom_ok_since,
         ev_under_since = EXCLUDED.ev_under_since, ev_peak_a = EXCLUDED.ev_peak_a`,
      [
        groupId,
        at,
        JSON.stringify(
          targets.map((t) => ({
            station_id: t.stationId,
            connector_id: t.connectorId,
            status: t.status,
            reason: t.reason,
            unit: t.unit,
            limit_value: t.limit,
            number_phases: t.numberPhases,
            power_w: t.powerW,
            mode: t.hysteresis?.mode ?? null,
            mode_since: t.hysteresis ? new Date(t.hysteresis.sinceMs).toISOString() : null,
            headroom_ok_since: t.hysteresis?.mode === 'paused' && t.hysteresis.headroomOkSinceMs !== undefined ? new Date(t.hysteresis.headroomOkSinceMs).toISOString() : null,
            ev_under_since: t.evUnderuse ? new Date(t.evUnderuse.sinceMs).toISOString() : null,
            ev_peak_a: t.evUnderuse?.peakA ?? null,
          })),
        ),
      ],
    );
  }

  async insertPlan(
    tx: EntityManager,
    p: { planId: string; groupId: string; stationId: string; reason: string; direction: string; effectiveFromMs: number; connectors: ConnectorLimit[]; createdAtMs: number },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO station_plans (plan_id, group_id, station_id, reason, direction, effective_from, connectors, created_at, expected) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [p.planId, p.groupId, p.stationId, p.reason, p.direction, new Date(p.effectiveFromMs), JSON.stringify(p.connectors), new Date(p.createdAtMs), p.connectors.length],
    );
  }

  async saveRound(tx: EntityManager, groupId: string, r: GroupRoundRow, nowMs: number): Promise<void> {
    await tx.query(
      `INSERT INTO group_plan_state (group_id, planned_at, limit_w, available_w, allocated_w, uncontrolled_w, source, incident, incident_since, incident_reported, pv_credit_w)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (group_id) DO UPDATE SET planned_at = EXCLUDED.planned_at, limit_w = EXCLUDED.limit_w, available_w = EXCLUDED.available_w, allocated_w = EXCLUDED.allocated_w,
         uncontrolled_w = EXCLUDED.uncontrolled_w, source = EXCLUDED.source, incident = EXCLUDED.incident, incident_since = EXCLUDED.incident_since,
         incident_reported = EXCLUDED.incident_reported, pv_credit_w = EXCLUDED.pv_credit_w`,
      [
        groupId,
        new Date(nowMs),
        r.limitW,
        r.availableW,
        r.allocatedW,
        r.uncontrolledW,
        JSON.stringify(r.source),
        r.incident?.key ?? null,
        r.incident?.sinceMs === undefined ? null : new Date(r.incident.sinceMs),
        r.incident?.reported ?? null,
        r.pvCreditW,
      ],
    );
  }

  async incident(tx: EntityManager, groupId: string): Promise<IncidentState | undefined> {
    const rows: { incident: string | null; incident_since: Date | null; incident_reported: string | null }[] = await tx.query(
      `SELECT incident, incident_since, incident_reported FROM group_plan_state WHERE group_id = $1`,
      [groupId],
    );
    const r = rows[0];
    return r ? { key: r.incident ?? undefined, sinceMs: ms(r.incident_since), reported: r.incident_reported ?? undefined } : undefined;
  }
}
