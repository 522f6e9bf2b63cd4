import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export type TransceiverStatus = 'INACTIVE' | 'ACTIVE';

/** A transceiver as the device API sees it. */
export interface TransceiverRow {
  transceiverId: string;
  tenantAlias: string;
  serialId: string;
  status: TransceiverStatus;
  passwordHash: string | null;
  generation: number;
  keaSolar: boolean;
  modelId: string | null;
  installedVersion: string | null;
}

export interface ModuleRow {
  id: string;
  port: number;
  moduleType: string;
  modelId: string | null;
  installedVersion: string | null;
}

const COLUMNS = `transceiver_id AS "transceiverId", tenant_alias AS "tenantAlias", serial_id AS "serialId", status,
  password_hash AS "passwordHash", generation, kea_solar AS "keaSolar", model_id AS "modelId", installed_version AS "installedVersion"`;

/** Transceivers and their modules in PostgreSQL. */
@Injectable()
export class TransceiverRepository {
  constructor(private readonly db: DataSource) {}

  async findBySerial(tenantAlias: string, serialId: string, tx: EntityManager = this.db.manager): Promise<TransceiverRow | undefined> {
    const rows: TransceiverRow[] = await tx.query(`SELECT ${COLUMNS} FROM transceiver WHERE tenant_alias = $1 AND serial_id = $2`, [tenantAlias, serialId]);
    return rows[0];
  }

  /** Same, locking the row for a registration or reset. */
  async lockBySerial(tx: EntityManager, tenantAlias: string, serialId: string): Promise<TransceiverRow | undefined> {
    const rows: TransceiverRow[] = await tx.query(`SELECT ${COLUMNS} FROM transceiver WHERE tenant_alias = $1 AND serial_id = $2 FOR UPDATE`, [tenantAlias, serialId]);
    return rows[0];
  }

  async findById(transceiverId: string, tx: EntityManager = this.db.manager): Promise<TransceiverRow | undefined> {
    const rows: TransceiverRow[] = await tx.query(`SELECT ${COLUMNS} FROM transceiver WHERE transceiver_id = $1`, [transceiverId]);
    return rows[0];
  }

  async activate(tx: EntityManager, transceiverId: string, passwordHash: string, at: Date): Promise<void> {
    await tx.query(`UPDATE transceiver SET status = 'ACTIVE', password_hash = $2, registered_at = $3 WHERE transceiver_id = $1`, [transceiverId, passwordHash, at]);
  }

  /** INACTIVE, password cleared, generation bumped so every token issued before is refused. */
  async deactivate(tx: EntityManager, transceiverId: string): Promise<void> {
    await tx.query(`UPDATE transceiver SET status = 'INACTIVE', password_hash = NULL, generation = generation + 1 WHERE transceiver_id = $1`, [transceiverId]);
  }

  async setInstalledVersion(tx: EntityManager, transceiverId: string, version: string): Promise<void> {
    await tx.query(`UPDATE transceiver SET installed_version = $2 WHERE transceiver_id = $1`, [transceiverId, version]);
  }

  async modules(transceiverId: string, tx: EntityManager = this.db.manager): Promise<ModuleRow[]> {
    return tx.query(
      `SELECT id, port, module_type AS "moduleType", model_id AS "modelId", installed_version AS "installedVersion"
       FROM module WHERE transceiver_id = $1 ORDER BY port`,
      [transceiverId],
    );
  }

  /** Status, tenant and module types of many transceivers in one query (the ingest cache's loader). */
  async ingestView(transceiverIds: string[]): Promise<{ transceiverId: string; tenantAlias: string; status: TransceiverStatus; modules: { port: number; moduleType: string }[] }[]> {
    return this.db.query(
      `SELECT t.transceiver_id AS "transceiverId", t.tenant_alias AS "tenantAlias", t.status,
              COALESCE((SELECT json_agg(json_build_object('port', m.port, 'moduleType', m.module_type)) FROM module m WHERE m.transceiver_id = t.transceiver_id), '[]') AS modules
       FROM transceiver t WHERE t.transceiver_id = ANY ($1::text[])`,
      [transceiverIds],
    );
  }

  async setModuleInstalledVersion(tx: EntityManager, transceiverId: string, port: number, version: string): Promise<void> {
    await tx.query(`UPDATE module SET installed_version = $3 WHERE transceiver_id = $1 AND port = $2`, [transceiverId, port, version]);
  }
}
