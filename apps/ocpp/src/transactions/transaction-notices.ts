import { Inject, Injectable } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { StationContext } from '../connection/station-context.js';

/** A StartTransaction recorded (or a retry of one) under `transactionId`. */
export interface StartedTransaction {
  transactionId: number;
  connectorId: number;
}

type StartedListener = (ctx: StationContext, started: StartedTransaction) => void;

/**
 * A StartTransaction was recorded and answered, on the replica holding the charger's socket: for
 * features that act on a session the charger began (smart charging's limit for a session started
 * under an older default) without knowing the transaction handlers. Called for every start, after
 * its answer is on the wire; listeners run synchronously and must be cheap (a lookup in memory),
 * any work of theirs going off the call. A listener's error is logged, never reaching the charger
 * (its start is stored and answered already).
 */
@Injectable()
export class TransactionNotices {
  private readonly listeners: StartedListener[] = [];

  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  onStarted(listener: StartedListener): void {
    this.listeners.push(listener);
  }

  started(ctx: StationContext, started: StartedTransaction): void {
    for (const listener of this.listeners) {
      try {
        listener(ctx, started);
      } catch (err) {
        this.logger.error({ err, stationId: ctx.stationId, ...started }, 'transaction start listener failed');
      }
    }
  }
}
