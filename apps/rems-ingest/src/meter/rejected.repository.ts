import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Why an inbound message was not ingested (kept with its raw payload). */
export type RejectReason = 'payload_too_large' | 'malformed_payload' | 'invalid_meter_data' | 'unknown_transceiver' | 'inactive_transceiver' | 'persist_failed';

export interface RejectedRow {
  channel: string;
  topic: string | null;
  transceiverId: string | null;
  reason: RejectReason;
  detail: string | null;
  payload: string;
  receivedAt: Date;
}

/** Quarantine of messages that could not be ingested: nothing is dropped silently. */
@Injectable()
export class RejectedRepository {
  constructor(private readonly db: DataSource) {}

  async insert(row: RejectedRow): Promise<void> {
    await this.db.query(
      `INSERT INTO rejected_message (channel, topic, transceiver_id, reason, detail, payload, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [row.channel, row.topic, row.transceiverId, row.reason, row.detail, row.payload, row.receivedAt],
    );
  }
}
