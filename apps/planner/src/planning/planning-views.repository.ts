import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Read models of the planning loop for operators (SQL only). */
@Injectable()
export class PlanningViewsRepository {
  constructor(private readonly db: DataSource) {}

  async roundOf(groupId: string): Promise<Record<string, unknown> | undefined> {
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT planned_at AS "plannedAt", limit_w / 1000 AS "limitKw", available_w / 1000 AS "availableKw", allocated_w / 1000 AS "allocatedKw",
         uncontrolled_w / 1000 AS "uncontrolledKw", pv_credit_w / 1000 AS "solarCreditKw", source, incident IS NOT NULL AS infeasible, incident_since AS "infeasibleSince",
         incident_reported IS NOT NULL AND incident_reported = incident AS "reported"
       FROM group_plan_state WHERE group_id = $1`,
      [groupId],
    );
    return rows[0];
  }

  async allocation(groupId: string): Promise<Record<string, unknown>[]> {
    return this.db.query(
      `SELECT a.station_id AS "stationId", a.connector_id AS "connectorId", a.status, a.reason, a.unit, a.limit_value AS "limit", a.number_phases AS "numberPhases",
         round((a.power_w / 1000)::numeric, 3)::float8 AS "powerKw", a.planned_at AS "plannedAt", c.power_w / 1000 AS "measuredKw", c.current_a AS "measuredA", c.transaction_id AS "transactionId"
       FROM connector_allocation a LEFT JOIN connector_state c ON c.station_id = a.station_id AND c.connector_id = a.connector_id
       WHERE a.group_id = $1 ORDER BY a.station_id, a.connector_id`,
      [groupId],
    );
  }

  async plans(groupId: string, limit: number, stationId?: string): Promise<Record<string, unknown>[]> {
    return this.db.query(
      `SELECT plan_id AS "planId", station_id AS "stationId", reason, direction, effective_from AS "effectiveFrom", created_at AS "createdAt",
         expected, applied, failed, answered::int[] AS "answeredConnectors", outcome_at AS "outcomeAt", last_failure AS "lastFailure", connectors
       FROM station_plans WHERE group_id = $1 AND ($3::text IS NULL OR station_id = $3) ORDER BY seq DESC LIMIT $2`,
      [groupId, limit, stationId ?? null],
    );
  }
}
