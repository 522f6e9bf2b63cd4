import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Streams, Subjects, type EventMap, type EventSubject, type OcppAuthorizationStatus } from '@cpo/contracts';
import { ConsumerHost } from '@cpo/messaging';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { OwnDeliveryService, type OwnDelivery } from './own-delivery.service.js';
import { OwnSessionsService } from './own-sessions.service.js';

/** The `idTagStatus` of a start that makes a roaming Session (see onModuleInit). */
const ROAMING_START: ReadonlySet<OcppAuthorizationStatus> = new Set(['Accepted', 'ConcurrentTx']);

/**
 * `ocpp.transaction.started|stopped` and `ocpp.meter.sampled` → roaming Sessions and CDRs of the
 * own chargers, stored in the consumer's transaction and delivered to the eMSP after commit.
 */
@Injectable()
export class TransactionsConsumer implements OnModuleInit {
  private readonly pending = new Map<string, OwnDelivery[]>();

  constructor(
    private readonly consumers: ConsumerHost,
    private readonly sessions: OwnSessionsService,
    private readonly delivery: OwnDeliveryService,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    // A session started without an idTag (a free-vend charger) is no token's: no eMSP to send it to,
    // so it is no roaming Session (nor CDR: its stop finds no session and gives none). Nor is one
    // ocpp refused as Invalid, Blocked or Expired that the charger runs all the same: the eMSP did
    // not authorise it, or the token is not valid. ConcurrentTx is: the token is valid, ocpp only
    // judged it already in a session (often one whose stop was lost), and the energy a charger
    // delivers all the same is the eMSP's to be billed. An ocpp release that does not say (absent)
    // accepted it, as before.
    this.consume(Subjects.OcppTransactionStarted, 'ocpi-hub-transactions-started', async (p, tx, c, occurredAt) =>
      p.idTag === undefined || !ROAMING_START.has(p.idTagStatus ?? 'Accepted') ? [] : this.sessions.started(tx, { ...p, idTag: p.idTag }, c, occurredAt),
    );
    this.consume(Subjects.OcppMeterSampled, 'ocpi-hub-meter-sampled', (p, tx, c) => this.sessions.metered(tx, p, c));
    this.consume(Subjects.OcppTransactionStopped, 'ocpi-hub-transactions-stopped', (p, tx, c) => this.sessions.stopped(tx, p, c));
  }

  /** `handle`'s `occurredAt`: when the producer wrote the event (for ocpp, the message's receipt). */
  private consume<S extends EventSubject>(
    subject: S,
    durable: string,
    handle: (payload: EventMap[S], tx: EntityManager, correlationId: string, occurredAt: string | undefined) => Promise<OwnDelivery[]>,
  ): void {
    this.consumers.register<S>({
      durable,
      stream: Streams.OCPP,
      filterSubject: subject,
      handler: async (event, tx) => {
        // A deadlock with the other consumers' batches (they lock transactions in their events' order)
        // is retried without blaming the event: isInfrastructureError in @cpo/messaging.
        const out = await handle(event.payload as EventMap[S], tx, event.correlationId ?? randomUUID(), event.occurredAt);
        if (out.length > 0) this.pending.set(event.id, out);
        else this.pending.delete(event.id);
      },
      // In order, one after the other: a CDR must not overtake the Session PATCH that completes it.
      afterCommit: (events) => {
        const batch = events.flatMap((e) => this.take(e.id));
        void (async () => {
          for (const d of batch) await this.delivery.deliver(d).catch((err: unknown) => this.logger.warn({ err, module: d.module, objectId: d.objectId }, 'own session data delivery failed'));
        })();
      },
    });
  }

  private take(eventId: string): OwnDelivery[] {
    const d = this.pending.get(eventId) ?? [];
    this.pending.delete(eventId);
    return d;
  }
}
