import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { CreateDeviceModel, CreateFirmware, CreateModule, CreatePlant, CreateTenant } from './admin.dto.js';

/** Writes of the operator (web admin) API. Unique violations surface as PostgreSQL error 23505. */
@Injectable()
export class AdminRepository {
  constructor(readonly db: DataSource) {}

  async insertTenant(tx: EntityManager, t: CreateTenant): Promise<void> {
    await tx.query(`INSERT INTO tenant (alias, name) VALUES ($1, $2)`, [t.alias, t.name]);
  }

  async tenantExists(tx: EntityManager, alias: string): Promise<boolean> {
    const rows: unknown[] = await tx.query(`SELECT 1 FROM tenant WHERE alias = $1`, [alias]);
    return rows.length > 0;
  }

  async insertPlant(tx: EntityManager, p: CreatePlant): Promise<string> {
    const [row]: { id: string }[] = await tx.query(`INSERT INTO plant (tenant_alias, name, address) VALUES ($1, $2, $3) RETURNING id`, [p.tenantAlias, p.name, p.address ?? null]);
    return row.id;
  }

  /** Upsert by (tenant, name), for the bulk import. */
  async ensurePlant(tx: EntityManager, p: CreatePlant): Promise<string> {
    const [row]: { id: string }[] = await tx.query(
      `INSERT INTO plant (tenant_alias, name, address) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_alias, name) DO UPDATE SET address = COALESCE(EXCLUDED.address, plant.address) RETURNING id`,
      [p.tenantAlias, p.name, p.address ?? null],
    );
    return row.id;
  }

  async plantTenant(tx: EntityManager, plantId: string): Promise<string | undefined> {
    const rows: { tenant_alias: string }[] = await tx.query(`SELECT tenant_alias FROM plant WHERE id = $1`, [plantId]);
    return rows[0]?.tenant_alias;
  }

  async modelTenant(tx: EntityManager, modelId: string): Promise<{ tenantAlias: string; deviceModelType: string } | undefined> {
    const rows: { tenantAlias: string; deviceModelType: string }[] = await tx.query(
      `SELECT tenant_alias AS "tenantAlias", device_model_type AS "deviceModelType" FROM device_model WHERE id = $1`,
      [modelId],
    );
    return rows[0];
  }

  async insertTransceiver(
    tx: EntityManager,
    t: { transceiverId: string; tenantAlias: string; serialId: string; plantId: string | null; name: string | null; modelId: string | null; installedVersion: string | null; keaSolar: boolean },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO transceiver (transceiver_id, tenant_alias, serial_id, plant_id, name, model_id, installed_version, kea_solar)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [t.transceiverId, t.tenantAlias, t.serialId, t.plantId, t.name, t.modelId, t.installedVersion, t.keaSolar],
    );
  }

  async transceiverForUpdate(tx: EntityManager, transceiverId: string): Promise<{ tenantAlias: string; keaSolar: boolean; ports: number[] } | undefined> {
    const rows: { tenantAlias: string; keaSolar: boolean }[] = await tx.query(
      `SELECT tenant_alias AS "tenantAlias", kea_solar AS "keaSolar" FROM transceiver WHERE transceiver_id = $1 FOR UPDATE`,
      [transceiverId],
    );
    if (!rows[0]) return undefined;
    const ports: { port: number }[] = await tx.query(`SELECT port FROM module WHERE transceiver_id = $1`, [transceiverId]);
    return { ...rows[0], ports: ports.map((p) => p.port) };
  }

  async insertModule(tx: EntityManager, transceiverId: string, m: CreateModule): Promise<string> {
    const [row]: { id: string }[] = await tx.query(
      `INSERT INTO module (transceiver_id, port, module_type, name, model_id, installed_version) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [transceiverId, m.port, m.moduleType, m.name ?? null, m.modelId ?? null, m.installedVersion ?? null],
    );
    return row.id;
  }

  async insertDeviceModel(tx: EntityManager, m: CreateDeviceModel): Promise<string> {
    const [row]: { id: string }[] = await tx.query(`INSERT INTO device_model (tenant_alias, name, device_model_type) VALUES ($1, $2, $3) RETURNING id`, [m.tenantAlias, m.name, m.deviceModelType]);
    return row.id;
  }

  async insertFirmware(tx: EntityManager, modelId: string, f: CreateFirmware): Promise<string> {
    const [row]: { id: string }[] = await tx.query(`INSERT INTO firmware_version (model_id, version, url) VALUES ($1, $2, $3) RETURNING id`, [modelId, f.version, f.url]);
    return row.id;
  }

  async transceiverView(transceiverId: string): Promise<Record<string, unknown> | undefined> {
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT t.transceiver_id AS "transceiverId", t.tenant_alias AS "tenantAlias", t.serial_id AS "serialId", t.plant_id AS "plantId",
              t.name, t.status, t.kea_solar AS "keaSolar", t.model_id AS "modelId", t.installed_version AS "installedVersion",
              t.registered_at AS "registeredAt",
              (SELECT max(received_at) FROM raw_frame f WHERE f.transceiver_id = t.transceiver_id) AS "lastSeenAt",
              COALESCE((SELECT json_agg(json_build_object('port', m.port, 'moduleType', m.module_type, 'name', m.name, 'modelId', m.model_id,
                 'installedVersion', m.installed_version) ORDER BY m.port) FROM module m WHERE m.transceiver_id = t.transceiver_id), '[]') AS modules
       FROM transceiver t WHERE t.transceiver_id = $1`,
      [transceiverId],
    );
    return rows[0];
  }

  async rejected(limit: number): Promise<Record<string, unknown>[]> {
    return this.db.query(
      `SELECT id::text, channel, topic, transceiver_id AS "transceiverId", reason, detail, payload, received_at AS "receivedAt"
       FROM rejected_message ORDER BY id DESC LIMIT $1`,
      [limit],
    );
  }
}
