import { Injectable } from '@nestjs/common';
import type { CommandStatus, CommandType, ControlCommand, DeviceModelType } from '@cpo/rems-protocol';
import type { MqttVersion } from '../mqtt/topics.js';
import { DataSource, type EntityManager } from 'typeorm';

export interface NewCommand {
  id: string;
  transceiverId: string;
  type: CommandType;
  deviceModelType: DeviceModelType;
  port: number | null;
  version: string | null;
  url: string | null;
  at: Date;
}

export interface FirmwareVersionRow {
  id: string;
  seq: string;
  version: string;
  url: string;
}

const SELECT = `SELECT c.id, c.transceiver_id AS "transceiverId", t.serial_id AS "serialId", t.tenant_alias AS "tenantAlias",
  c.type, c.device_model_type AS "deviceModelType", c.port, c.status, c.processed, c.message, c.version, c.url
  FROM control_command c JOIN transceiver t USING (transceiver_id)`;

type Row = Omit<ControlCommand, 'port' | 'message' | 'version' | 'url'> & { port: number | null; message: string | null; version: string | null; url: string | null };

/** Control commands and firmware versions in PostgreSQL. */
@Injectable()
export class CommandRepository {
  constructor(private readonly db: DataSource) {}

  async insert(tx: EntityManager, c: NewCommand): Promise<ControlCommand> {
    await tx.query(
      `INSERT INTO control_command (id, transceiver_id, type, device_model_type, port, status, processed, version, url, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, 'REQUESTED', false, $6, $7, $8, $8)`,
      [c.id, c.transceiverId, c.type, c.deviceModelType, c.port, c.version, c.url, c.at],
    );
    const created = await this.findForTransceiver(c.id, c.transceiverId, tx);
    if (!created) throw new Error(`command ${c.id} vanished after insert`);
    return created;
  }

  /** A command only if it belongs to this transceiver: another device's id looks like an unknown one. */
  async findForTransceiver(id: string, transceiverId: string, tx: EntityManager = this.db.manager, lock = false): Promise<ControlCommand | undefined> {
    const rows: Row[] = await tx.query(`${SELECT} WHERE c.id = $1 AND c.transceiver_id = $2${lock ? ' FOR UPDATE OF c' : ''}`, [id, transceiverId]);
    return rows[0] && toCommand(rows[0]);
  }

  async open(transceiverId: string): Promise<ControlCommand[]> {
    const rows: Row[] = await this.db.query(`${SELECT} WHERE c.transceiver_id = $1 AND NOT c.processed ORDER BY c.created_at, c.id`, [transceiverId]);
    return rows.map(toCommand);
  }

  async findOpenUpdate(tx: EntityManager, transceiverId: string, deviceModelType: DeviceModelType, port: number | null, version: string): Promise<ControlCommand | undefined> {
    const rows: Row[] = await tx.query(
      `${SELECT} WHERE c.transceiver_id = $1 AND NOT c.processed AND c.type = 'UPDATE' AND c.device_model_type = $2
         AND c.port IS NOT DISTINCT FROM $3 AND c.version = $4 ORDER BY c.created_at LIMIT 1`,
      [transceiverId, deviceModelType, port, version],
    );
    return rows[0] && toCommand(rows[0]);
  }

  async setStatus(tx: EntityManager, id: string, status: CommandStatus, processed: boolean, message: string | null, at: Date): Promise<void> {
    await tx.query(`UPDATE control_command SET status = $2, processed = $3, message = COALESCE($4, message), updated_at = $5 WHERE id = $1`, [id, status, processed, message, at]);
  }

  /**
   * The MQTT version the device last sent a meter frame with (its raw frames keep the channel), or
   * undefined when it sent none over MQTT in the last 30 days (an HTTP-only device, or a new one).
   * Walks the device's frames newest first on (transceiver_id, received_at); commands are rare.
   */
  async mqttVersionOf(transceiverId: string): Promise<MqttVersion | undefined> {
    const rows: { channel: MqttVersion }[] = await this.db.query(
      `SELECT channel FROM raw_frame
        WHERE transceiver_id = $1 AND channel IN ('mqtt3', 'mqtt5') AND received_at > now() - interval '30 days'
        ORDER BY received_at DESC LIMIT 1`,
      [transceiverId],
    );
    return rows[0]?.channel;
  }

  async firmwareVersions(modelId: string, tx: EntityManager = this.db.manager): Promise<FirmwareVersionRow[]> {
    return tx.query(`SELECT id, seq::text AS seq, version, url FROM firmware_version WHERE model_id = $1 ORDER BY seq`, [modelId]);
  }
}

function toCommand(row: Row): ControlCommand {
  const command: ControlCommand = {
    id: row.id,
    transceiverId: row.transceiverId,
    serialId: row.serialId,
    tenantAlias: row.tenantAlias,
    type: row.type,
    deviceModelType: row.deviceModelType,
    status: row.status,
    processed: row.processed,
  };
  if (row.port !== null) command.port = row.port;
  if (row.message !== null) command.message = row.message;
  if (row.type === 'UPDATE') {
    if (row.version !== null) command.version = row.version;
    if (row.url !== null) command.url = row.url;
  }
  return command;
}
