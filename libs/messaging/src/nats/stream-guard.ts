import { allStreams, type StreamDefinition } from '@cpo/contracts';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { BusNames } from '../bus-names.js';
import { isStreamMissing, isUnansweredPublish } from './missing-resource.js';
import { ensureStreams } from './streams.js';

export interface StreamGuardOptions {
  jsm: JetStreamManager;
  names: BusNames;
  replicas: number;
  logger: Logger;
  /** The streams ensured at boot (default: every stream of the contract, as MessagingModule does). */
  definitions?: readonly StreamDefinition[];
  /** Re-ensures at most once per this many ms (default 5000), however many publishes fail meanwhile. */
  minIntervalMs?: number;
  now?: () => number;
}

/**
 * Puts the streams back when NATS came back without its JetStream storage (a new volume, memory
 * storage, a rebuilt cluster): publishers report a publish that no stream stored, and the guard runs
 * the boot's `ensureStreams` again (idempotent, same definitions and replicas), so the rows waiting
 * in the outbox go out without a restart. Bounded: one re-ensure in flight, at most one per
 * `minIntervalMs`; a failure is logged once per run of failures, and readiness is down meanwhile.
 */
export class StreamGuard {
  private inFlight?: Promise<boolean>;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  /** Why streams are missing and could not be put back yet (readiness is down while set). */
  private missing?: string;
  private readonly minIntervalMs: number;
  private readonly now: () => number;

  constructor(private readonly o: StreamGuardOptions) {
    this.minIntervalMs = o.minIntervalMs ?? 5000;
    this.now = o.now ?? Date.now;
  }

  /**
   * After a failed publish: whether the streams were ensured again just now because the failure
   * said "no stream stores this subject" (or it got no answer and a stream was indeed missing),
   * i.e. whether publishing once more is worth it. Never throws.
   */
  async recover(failure: unknown): Promise<boolean> {
    const missing = isStreamMissing(failure);
    if (!missing && !isUnansweredPublish(failure)) return false;
    if (this.inFlight) return this.inFlight;
    if (this.now() - this.lastAttempt < this.minIntervalMs) return false;
    this.lastAttempt = this.now();
    this.inFlight = this.reensure(String((failure as Error)?.message ?? failure), missing).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Readiness: throws while a stream this service publishes to is missing and could not be re-created. */
  check(): Record<string, unknown> {
    const missing = this.missing;
    if (missing === undefined) return {};
    // The probe tries again too (same bound): once another replica or service has put the streams
    // back, this one's publishes no longer fail, so no recover() would ever clear it.
    if (!this.inFlight && this.now() - this.lastAttempt >= this.minIntervalMs) {
      this.lastAttempt = this.now();
      this.inFlight = this.reensure(missing, true).finally(() => (this.inFlight = undefined));
    }
    throw new Error(`JetStream streams missing and not re-created yet: ${missing}`);
  }

  /** `missing`: the failure said so; else it was a publish without answer (NATS down, or a missing stream behind a tap). */
  private async reensure(reason: string, missing: boolean): Promise<boolean> {
    const { jsm, names, replicas, logger } = this.o;
    try {
      const created = await ensureStreams(jsm, names, replicas, this.o.definitions ?? allStreams);
      this.missing = undefined;
      // Nothing created: the stream came back meanwhile (another replica or service ensured it).
      if (created.length > 0) logger.warn({ created, reason }, 'JetStream streams were missing (NATS lost its storage?); re-created them with their boot configuration');
      return missing || created.length > 0;
    } catch (err) {
      // Without an answer to the publish either, NATS is likely down: the 'nats' check reports that.
      if (!missing) return false;
      if (!this.missing) logger.error({ err, reason }, 'JetStream streams are missing and could not be re-created; retrying while publishes fail');
      this.missing = reason;
      return false;
    }
  }
}
