import type { GroupRegister } from '@cpo/oscp-protocol';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * A provider's group (for ELMO: the charging-site uid it assigned). Its station list follows
 * the planner's announcements (it owns the mapping); measurements need it.
 */
export interface Group {
  partnerId: string;
  groupId: string;
  contractCapacityKw: number | null;
  stations: string[];
  register: GroupRegister;
  lastPointMinute: Date | null;
  lastPointKwh: number;
}

interface Row {
  partner_id: string;
  group_id: string;
  contract_capacity_kw: number | null;
  stations: string[];
  register: GroupRegister;
  last_point_minute: Date | null;
  last_point_kwh: number;
}

const toGroup = (r: Row): Group => ({
  partnerId: r.partner_id,
  groupId: r.group_id,
  contractCapacityKw: r.contract_capacity_kw,
  stations: r.stations,
  register: r.register,
  lastPointMinute: r.last_point_minute,
  lastPointKwh: r.last_point_kwh,
});

const COLUMNS = 'partner_id, group_id, contract_capacity_kw, stations, register, last_point_minute, last_point_kwh';

@Injectable()
export class GroupRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** An empty station list takes the planner's membership of the group, when it published one. */
  async upsert(g: { partnerId: string; groupId: string; contractCapacityKw: number | null; stations: string[] }): Promise<Group> {
    const rows: Row[] = await this.dataSource.query(
      `INSERT INTO oscp_group (partner_id, group_id, contract_capacity_kw, stations)
       VALUES ($1, $2, $3, CASE WHEN cardinality($4::text[]) > 0 THEN $4::text[]
                                ELSE COALESCE((SELECT stations FROM planner_group_membership WHERE group_id = $2), '{}') END)
       ON CONFLICT (partner_id, group_id) DO UPDATE SET contract_capacity_kw = EXCLUDED.contract_capacity_kw, stations = EXCLUDED.stations
       RETURNING ${COLUMNS}`,
      [g.partnerId, g.groupId, g.contractCapacityKw, g.stations],
    );
    return toGroup(rows[0]);
  }

  async get(partnerId: string, groupId: string, tx?: EntityManager, forUpdate = false): Promise<Group | undefined> {
    const rows: Row[] = await (tx ?? this.dataSource.manager).query(
      `SELECT ${COLUMNS} FROM oscp_group WHERE partner_id = $1 AND group_id = $2 ${forUpdate ? 'FOR UPDATE' : ''}`,
      [partnerId, groupId],
    );
    return rows.map(toGroup)[0];
  }

  /**
   * The planner's membership of a group (it owns the group ↔ station mapping): remembered, and
   * applied to the group under every partner that has it. Older announcements never win.
   */
  async applyMembership(tx: EntityManager, groupId: string, stations: string[], changedAt: Date): Promise<void> {
    const applied: unknown = await tx.query(
      `INSERT INTO planner_group_membership AS m (group_id, stations, changed_at) VALUES ($1, $2, $3)
       ON CONFLICT (group_id) DO UPDATE SET stations = EXCLUDED.stations, changed_at = EXCLUDED.changed_at WHERE m.changed_at <= EXCLUDED.changed_at
       RETURNING group_id`,
      [groupId, stations, changedAt],
    );
    if (Array.isArray(applied) && applied.length > 0) await tx.query(`UPDATE oscp_group SET stations = $2 WHERE group_id = $1`, [groupId, stations]);
  }

  async listByPartner(partnerId: string): Promise<Group[]> {
    const rows: Row[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM oscp_group WHERE partner_id = $1 ORDER BY group_id`, [partnerId]);
    return rows.map(toGroup);
  }

  /** The groups a station belongs to, locked for a register update. */
  async byStationForUpdate(stationId: string, tx: EntityManager): Promise<Group[]> {
    const rows: Row[] = await tx.query(`SELECT ${COLUMNS} FROM oscp_group WHERE stations @> ARRAY[$1]::text[] ORDER BY partner_id, group_id FOR UPDATE`, [stationId]);
    return rows.map(toGroup);
  }

  async saveRegister(partnerId: string, groupId: string, register: GroupRegister, tx: EntityManager): Promise<void> {
    await tx.query(`UPDATE oscp_group SET register = $3 WHERE partner_id = $1 AND group_id = $2`, [partnerId, groupId, JSON.stringify(register)]);
  }

  async saveLastPoint(partnerId: string, groupId: string, minute: Date, kwh: number, tx: EntityManager): Promise<void> {
    await tx.query(`UPDATE oscp_group SET last_point_minute = $3, last_point_kwh = $4 WHERE partner_id = $1 AND group_id = $2`, [partnerId, groupId, minute, kwh]);
  }
}
