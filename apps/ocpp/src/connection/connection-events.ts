import { Injectable } from '@nestjs/common';
import { Subjects } from '@cpo/contracts';
import { OutboxWriter, type OutboxEvent } from '@cpo/messaging';
import { DataSource } from 'typeorm';
import { CommitBatcher } from '../persistence/commit-batcher.js';

/** `ocpp.station.connected|disconnected`, group-committed so a reconnect storm costs few commits. */
@Injectable()
export class ConnectionEvents {
  private readonly batcher: CommitBatcher<OutboxEvent, void>;

  constructor(db: DataSource, outbox: OutboxWriter) {
    this.batcher = new CommitBatcher<OutboxEvent, void>(
      db,
      async (events, tx) => {
        await outbox.enqueueMany(tx, events);
        return events.map(() => undefined);
      },
      { maxBatch: 1000, concurrency: 1 },
    );
  }

  connected(stationId: string, replicaId: string, at: Date, remoteAddress?: string): Promise<void> {
    return this.batcher.submit({
      subject: Subjects.OcppStationConnected,
      payload: { stationId, replicaId, protocol: 'ocpp1.6', connectedAt: at.toISOString(), remoteAddress: remoteAddress || undefined },
    });
  }

  disconnected(stationId: string, replicaId: string, at: Date, reason: string): Promise<void> {
    return this.batcher.submit({
      subject: Subjects.OcppStationDisconnected,
      payload: { stationId, replicaId, disconnectedAt: at.toISOString(), reason: reason.slice(0, 500) || undefined },
    });
  }
}
