import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Streams, Subjects } from '@cpo/contracts';
import { ConsumerHost } from '@cpo/messaging';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import { OwnSessionsService, type SessionDelivery } from './own-sessions.service.js';

/** `ocpp.transaction.started/stopped` → roaming Sessions of the own chargers, delivered after commit. */
@Injectable()
export class TransactionsConsumer implements OnModuleInit {
  private readonly pending = new Map<string, SessionDelivery>();

  constructor(
    private readonly consumers: ConsumerHost,
    private readonly sessions: OwnSessionsService,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    const deliver = (ids: string[]) => {
      for (const id of ids) {
        const d = this.pending.get(id);
        this.pending.delete(id);
        if (d) this.sessions.deliver(d).catch((err: unknown) => this.logger.warn({ err, sessionId: d.sessionId }, 'own session delivery failed'));
      }
    };
    this.consumers.register<typeof Subjects.OcppTransactionStarted>({
      durable: 'ocpi-hub-transactions-started',
      stream: Streams.OCPP,
      filterSubject: Subjects.OcppTransactionStarted,
      handler: async (event, tx) => this.keep(event.id, await this.sessions.started(tx, event.payload, event.correlationId ?? randomUUID())),
      afterCommit: (events) => deliver(events.map((e) => e.id)),
    });
    this.consumers.register<typeof Subjects.OcppTransactionStopped>({
      durable: 'ocpi-hub-transactions-stopped',
      stream: Streams.OCPP,
      filterSubject: Subjects.OcppTransactionStopped,
      handler: async (event, tx) => this.keep(event.id, await this.sessions.stopped(tx, event.payload, event.correlationId ?? randomUUID())),
      afterCommit: (events) => deliver(events.map((e) => e.id)),
    });
  }

  private keep(eventId: string, d: SessionDelivery | undefined): void {
    if (d) this.pending.set(eventId, d);
    else this.pending.delete(eventId);
  }
}
