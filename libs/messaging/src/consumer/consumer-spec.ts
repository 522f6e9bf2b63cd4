import type { EventSubject, StreamDefinition } from '@cpo/contracts';
import type { EntityManager } from 'typeorm';
import type { BusEvent } from '../envelope.js';

/**
 * Applies one event. Everything it changes must go through `tx`: the change,
 * the inbox row and the acknowledgement stand or fall together. Throwing
 * rolls back and schedules a redelivery; a ValidationError is permanent and
 * dead-letters at once.
 */
export type EventHandler<S extends EventSubject> = (event: BusEvent<S>, tx: EntityManager) => Promise<void>;

/**
 * Applies a batch of new events at once (e.g. one multi-row INSERT for meter
 * samples). Same rules as EventHandler. If it throws, the batch is halved and
 * retried until the failing event is isolated, so an event may be seen again
 * in a smaller batch after a rollback.
 */
export type BatchEventHandler<S extends EventSubject> = (events: BusEvent<S>[], tx: EntityManager) => Promise<void>;

export interface ConsumerSpec<S extends EventSubject = EventSubject> {
  /** Durable name, unique per service and purpose, e.g. `planner-forecasts`. */
  durable: string;
  stream: StreamDefinition;
  /** A logical subject or pattern inside the stream (one filter: nats-server 2.9 has no multi-filter). */
  filterSubject: string;
  /** Exactly one of handler and batchHandler. */
  handler?: EventHandler<S>;
  batchHandler?: BatchEventHandler<S>;
  /**
   * Deliveries before an event whose processing keeps failing for a reason of its own (its handler
   * throws) is dead-lettered. Failures because the database or another dependency is unreachable
   * do not count: such events are redelivered with back-off for as long as the outage lasts.
   */
  maxDeliver?: number;
  /**
   * Attempts at an overdue event (delivered more than maxDeliver times, tried alone) that the
   * process did not survive before the event is dead-lettered without another (default 3): an
   * event that crashes whoever handles it would otherwise crash-loop every replica for ever.
   */
  maxUnfinished?: number;
  ackWaitMs?: number;
  /** Redelivery delay after the n-th failure (last value repeats). */
  backoffMs?: number[];
  /** Unacknowledged messages the server lets this consumer hold; bounds memory and batch size. */
  maxAckPending?: number;
  maxBatch?: number;
  /**
   * How often `bus_consumer_pending` is refreshed from the server's consumer info (default 10 s;
   * 0 = only when a batch completes), so an idle or stuck consumer still shows its lag.
   */
  pendingRefreshMs?: number;
  /**
   * Waits between attempts at re-creating the durable after it disappeared from the server (NATS
   * lost its storage) while its stream is not back yet (last value repeats; default 0.25 s to 5 s).
   */
  recreateRetryMs?: number[];
  /** Runs after a batch committed, with the events it applied (not duplicates). Must not throw. */
  afterCommit?: (events: BusEvent<S>[]) => void;
}

/** A handler threw for the event at `index` of the batch (as opposed to the database failing). */
export class HandlerFailure extends Error {
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** A batch handler threw for a batch of several events; which one is not known yet. */
export class BatchFailure extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}
