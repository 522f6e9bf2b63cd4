import { Injectable } from '@nestjs/common';
import { affectedRows } from '@cpo/platform';
import { DataSource, type EntityManager } from 'typeorm';
import type { GroupModel } from './group-model.js';
import { connectorsOf, type GroupSpec, type StationSpec } from './topology-file.js';

/** Groups, stations, connectors and generation sources (SQL only). */
@Injectable()
export class TopologyRepository {
  constructor(private readonly db: DataSource) {}

  transaction<T>(fn: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  async upsertGroup(tx: EntityManager, g: Omit<GroupSpec, 'stations' | 'generation'>): Promise<void> {
    await tx.query(
      `INSERT INTO groups (id, partner_id, contract_kw, nominal_voltage_v, phases, safety_margin, time_zone) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET partner_id = EXCLUDED.partner_id, contract_kw = EXCLUDED.contract_kw, nominal_voltage_v = EXCLUDED.nominal_voltage_v,
         phases = EXCLUDED.phases, safety_margin = EXCLUDED.safety_margin, time_zone = EXCLUDED.time_zone, updated_at = now()`,
      [g.groupId, g.partnerId ?? null, g.contractKw, g.nominalVoltageV, g.phases, g.safetyMargin, g.timeZone],
    );
  }

  /** Assigns a station to a group (moving it if it was elsewhere) and replaces its connectors; returns the group it left. */
  async upsertStation(tx: EntityManager, groupId: string, s: StationSpec): Promise<string | undefined> {
    const previous = await this.groupOfStation(s.stationId, tx);
    await tx.query(
      `INSERT INTO group_stations (station_id, group_id, max_current_a, phases, priority) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (station_id) DO UPDATE SET group_id = EXCLUDED.group_id, max_current_a = EXCLUDED.max_current_a, phases = EXCLUDED.phases,
         priority = EXCLUDED.priority, updated_at = now()`,
      [s.stationId, groupId, s.maxCurrentA, s.phases, s.priority],
    );
    await tx.query(`DELETE FROM group_connectors WHERE station_id = $1`, [s.stationId]);
    for (const c of connectorsOf(s)) {
      await tx.query(
        `INSERT INTO group_connectors (station_id, connector_id, max_current_a, phases, min_current_a, priority) VALUES ($1, $2, $3, $4, $5, $6)`,
        [s.stationId, c.connectorId, c.maxCurrentA, c.phases, c.minCurrentA, c.priority ?? null],
      );
    }
    return previous !== groupId ? previous : undefined;
  }

  /** The group's partner and its stations now, for the membership event; undefined when the group is gone. */
  async membership(tx: EntityManager, groupId: string): Promise<{ partnerId: string | null; stationIds: string[] } | undefined> {
    const rows: { partner_id: string | null; stations: string[] }[] = await tx.query(
      `SELECT g.partner_id, COALESCE(array_agg(s.station_id ORDER BY s.station_id) FILTER (WHERE s.station_id IS NOT NULL), '{}') AS stations
       FROM groups g LEFT JOIN group_stations s ON s.group_id = g.id WHERE g.id = $1 GROUP BY g.partner_id`,
      [groupId],
    );
    return rows[0] ? { partnerId: rows[0].partner_id, stationIds: rows[0].stations } : undefined;
  }

  async replaceGeneration(tx: EntityManager, groupId: string, sources: GroupSpec['generation']): Promise<void> {
    await tx.query(`DELETE FROM generation_sources WHERE group_id = $1`, [groupId]);
    for (const s of sources) await tx.query(`INSERT INTO generation_sources (group_id, transceiver_id, port) VALUES ($1, $2, $3)`, [groupId, s.transceiverId, s.port]);
  }

  async removeGroup(tx: EntityManager, groupId: string): Promise<boolean> {
    const rows: unknown = await tx.query(`DELETE FROM groups WHERE id = $1 RETURNING id`, [groupId]);
    return affectedRows(rows) > 0;
  }

  async removeStation(tx: EntityManager, groupId: string, stationId: string): Promise<boolean> {
    const rows: unknown = await tx.query(`DELETE FROM group_stations WHERE group_id = $1 AND station_id = $2 RETURNING station_id`, [groupId, stationId]);
    return affectedRows(rows) > 0;
  }

  async groups(): Promise<Record<string, unknown>[]> {
    return this.db.query(
      `SELECT g.id AS "groupId", g.partner_id AS "partnerId", g.contract_kw::float8 AS "contractKw", g.nominal_voltage_v AS "nominalVoltageV", g.phases,
         g.safety_margin::float8 AS "safetyMargin", g.time_zone AS "timeZone", (SELECT count(*)::int FROM group_stations s WHERE s.group_id = g.id) AS "stationCount"
       FROM groups g ORDER BY g.id`,
    );
  }

  async group(groupId: string): Promise<Record<string, unknown> | undefined> {
    const [group] = (await this.db.query(
      `SELECT g.id AS "groupId", g.partner_id AS "partnerId", g.contract_kw::float8 AS "contractKw", g.nominal_voltage_v AS "nominalVoltageV", g.phases,
         g.safety_margin::float8 AS "safetyMargin", g.time_zone AS "timeZone",
         COALESCE((SELECT json_agg(json_build_object('transceiverId', transceiver_id, 'port', port) ORDER BY transceiver_id, port) FROM generation_sources WHERE group_id = g.id), '[]') AS generation
       FROM groups g WHERE g.id = $1`,
      [groupId],
    )) as Record<string, unknown>[];
    if (!group) return undefined;
    const stations: Record<string, unknown>[] = await this.db.query(
      `SELECT s.station_id AS "stationId", s.max_current_a::float8 AS "maxCurrentA", s.phases, s.priority,
         COALESCE((SELECT json_agg(json_build_object('connectorId', c.connector_id, 'maxCurrentA', c.max_current_a::float8, 'phases', c.phases,
                   'minCurrentA', c.min_current_a::float8, 'priority', c.priority) ORDER BY c.connector_id) FROM group_connectors c WHERE c.station_id = s.station_id), '[]') AS connectors
       FROM group_stations s WHERE s.group_id = $1 ORDER BY s.station_id`,
      [groupId],
    );
    return { ...group, stations };
  }

  async groupOfStation(stationId: string, m: EntityManager = this.db.manager): Promise<string | undefined> {
    const rows: { group_id: string }[] = await m.query(`SELECT group_id FROM group_stations WHERE station_id = $1`, [stationId]);
    return rows[0]?.group_id;
  }

  async groupIds(): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(`SELECT id FROM groups ORDER BY id`);
    return rows.map((r) => r.id);
  }

  /** The group with its stations and connectors, typed for planning; undefined when unknown. */
  async model(groupId: string, m: EntityManager = this.db.manager): Promise<GroupModel | undefined> {
    const rows: {
      id: string;
      partner_id: string | null;
      contract_kw: number;
      nominal_voltage_v: number;
      phases: 1 | 3;
      safety_margin: number;
      stations: { stationId: string; maxCurrentA: number; phases: 1 | 3; priority: number; connectors: { connectorId: number; maxCurrentA: number; phases: 1 | 3; minCurrentA: number; priority: number | null }[] }[];
    }[] = await m.query(
      `SELECT g.id, g.partner_id, g.contract_kw::float8 AS contract_kw, g.nominal_voltage_v, g.phases, g.safety_margin::float8 AS safety_margin,
         COALESCE((SELECT json_agg(json_build_object('stationId', s.station_id, 'maxCurrentA', s.max_current_a::float8, 'phases', s.phases, 'priority', s.priority,
           'connectors', COALESCE((SELECT json_agg(json_build_object('connectorId', c.connector_id, 'maxCurrentA', c.max_current_a::float8, 'phases', c.phases,
               'minCurrentA', c.min_current_a::float8, 'priority', c.priority) ORDER BY c.connector_id) FROM group_connectors c WHERE c.station_id = s.station_id), '[]'))
           ORDER BY s.station_id) FROM group_stations s WHERE s.group_id = g.id), '[]') AS stations
       FROM groups g WHERE g.id = $1`,
      [groupId],
    );
    const g = rows[0];
    if (!g) return undefined;
    return {
      groupId: g.id,
      partnerId: g.partner_id ?? undefined,
      contractW: Number(g.contract_kw) * 1000,
      nominalVoltageV: g.nominal_voltage_v,
      phases: g.phases,
      safetyMargin: Number(g.safety_margin),
      stations: g.stations.map((s) => ({ ...s, connectors: s.connectors.map((c) => ({ ...c, priority: c.priority ?? s.priority })) })),
    };
  }
}
