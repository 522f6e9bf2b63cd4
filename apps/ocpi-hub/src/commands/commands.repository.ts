import { Injectable } from '@nestjs/common';
import type { PartyRef } from '@cpo/ocpi-protocol';
import { DataSource, type EntityManager } from 'typeorm';

export interface CommandRecord {
  id: string;
  kind: string;
  command: string;
  requesterConnection: string | null;
  requester: PartyRef;
  receiver: PartyRef;
  responseUrl: string | null;
  correlationId: string;
  status: string;
}

/** Commands in flight: the requester's original `response_url` stays here, behind an opaque id. */
@Injectable()
export class CommandsRepository {
  constructor(private readonly db: DataSource) {}

  async insert(c: CommandRecord, tx: EntityManager = this.db.manager): Promise<void> {
    await tx.query(
      `INSERT INTO ocpi_command (id, kind, command, requester_connection, requester_country_code, requester_party_id, receiver_country_code, receiver_party_id, response_url, correlation_id, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [c.id, c.kind, c.command, c.requesterConnection, c.requester.countryCode, c.requester.partyId, c.receiver.countryCode, c.receiver.partyId, c.responseUrl, c.correlationId, c.status],
    );
  }

  async find(id: string, tx: EntityManager = this.db.manager): Promise<CommandRecord | undefined> {
    const rows = await tx.query(`SELECT * FROM ocpi_command WHERE id = $1`, [id]);
    const r = rows[0];
    if (!r) return undefined;
    return {
      id: r.id,
      kind: r.kind,
      command: r.command,
      requesterConnection: r.requester_connection,
      requester: { countryCode: r.requester_country_code, partyId: r.requester_party_id },
      receiver: { countryCode: r.receiver_country_code, partyId: r.receiver_party_id },
      responseUrl: r.response_url,
      correlationId: r.correlation_id,
      status: r.status,
    };
  }

  async setStatus(id: string, status: string, result?: unknown, tx: EntityManager = this.db.manager): Promise<void> {
    await tx.query(`UPDATE ocpi_command SET status = $2, result = coalesce($3::jsonb, result), updated_at = now() WHERE id = $1`, [id, status, result === undefined ? null : JSON.stringify(result)]);
  }

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }
}
