import { Injectable } from '@nestjs/common';
import { Subjects } from '@cpo/contracts';
import { OutboxWriter, type OutboxEvent } from '@cpo/messaging';
import { DataSource } from 'typeorm';
import { CommitBatcher } from '../persistence/commit-batcher.js';
import { StationRepository } from '../stations/station.repository.js';

interface Change {
  event: OutboxEvent;
  stationId: string;
  /** The station's last sign of life on this connection. */
  seenAt: Date;
}

/**
 * `ocpp.station.connected|disconnected`, group-committed so a reconnect storm costs few commits,
 * with the station's `last_seen_at`: heartbeats alone move it otherwise, and a charger that keeps
 * its connection alive with WebSocket pings (or sends other messages instead, which OCPP 1.6 §4.6
 * allows) would be shown last seen hours before it went away.
 */
@Injectable()
export class ConnectionEvents {
  private readonly batcher: CommitBatcher<Change, void>;

  constructor(db: DataSource, outbox: OutboxWriter, stations: StationRepository) {
    this.batcher = new CommitBatcher<Change, void>(
      db,
      async (changes, tx) => {
        await outbox.enqueueMany(tx, changes.map((c) => c.event));
        await stations.touch(tx, changes.map((c) => c.stationId), changes.map((c) => c.seenAt));
        return changes.map(() => undefined);
      },
      { maxBatch: 1000, concurrency: 1 },
    );
  }

  connected(stationId: string, replicaId: string, at: Date, remoteAddress?: string): Promise<void> {
    return this.batcher.submit({
      event: { subject: Subjects.OcppStationConnected, payload: { stationId, replicaId, protocol: 'ocpp1.6', connectedAt: at.toISOString(), remoteAddress: remoteAddress || undefined } },
      stationId,
      seenAt: at,
    });
  }

  /** `lastSeenAt`: the connection's last inbound frame, ping or pong. */
  disconnected(stationId: string, replicaId: string, at: Date, reason: string, lastSeenAt: Date): Promise<void> {
    return this.batcher.submit({
      event: { subject: Subjects.OcppStationDisconnected, payload: { stationId, replicaId, disconnectedAt: at.toISOString(), reason: reason.slice(0, 500) || undefined } },
      stationId,
      seenAt: lastSeenAt,
    });
  }
}
