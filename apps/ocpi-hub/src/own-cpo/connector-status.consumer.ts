import { randomUUID } from 'node:crypto';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { Streams, Subjects } from '@cpo/contracts';
import { ConsumerHost } from '@cpo/messaging';
import { BroadcastService, type BroadcastJob } from '../objects/broadcast.service.js';
import { OwnLocationsService } from './own-locations.service.js';

/** `ocpp.connector.status` → the own Location's EVSE status, broadcast to the agreed eMSPs after commit. */
@Injectable()
export class ConnectorStatusConsumer implements OnModuleInit {
  private readonly pending = new Map<string, BroadcastJob>();

  constructor(
    private readonly consumers: ConsumerHost,
    private readonly locations: OwnLocationsService,
    private readonly broadcast: BroadcastService,
  ) {}

  onModuleInit(): void {
    this.consumers.register<typeof Subjects.OcppConnectorStatus>({
      durable: 'ocpi-hub-connector-status',
      stream: Streams.OCPP,
      filterSubject: Subjects.OcppConnectorStatus,
      handler: async (event, tx) => {
        const job = await this.locations.applyStatus(tx, event.payload, event.correlationId ?? randomUUID());
        if (job) this.pending.set(event.id, job);
        else this.pending.delete(event.id);
      },
      afterCommit: (events) => {
        for (const e of events) {
          const job = this.pending.get(e.id);
          this.pending.delete(e.id);
          if (job) this.broadcast.schedule(job);
        }
      },
    });
  }
}
