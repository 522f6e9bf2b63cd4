import type { GroupRegister } from '@cpo/oscp-protocol';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * A provider's group (for ELMO: the charging-site uid it assigned). The station list is a stand-in
 * until the planner publishes the group ↔ station mapping; measurements need it.
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

  async upsert(g: { partnerId: string; groupId: string; contractCapacityKw: number | null; stations: string[] }): Promise<Group> {
    const rows: Row[] = await this.dataSource.query(
      `INSERT INTO oscp_group (partner_id, group_id, contract_capacity_kw, stations) VALUES ($1, $2, $3, $4)
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
