import { PgListener, type PgTimeouts } from '@cpo/platform';
import type { Logger } from 'pino';
import { OUTBOX_CHANNEL } from './schema.js';

/**
 * The relay's LISTEN connection for the outbox NOTIFY. While it is down the relay's poll interval
 * is the safety net; PgListener re-establishes it every second until it is back.
 */
export class OutboxListener {
  private readonly listener: PgListener;

  constructor(o: { databaseUrl: string; database?: PgTimeouts; logger: Logger }, onNotify: () => void) {
    this.listener = new PgListener({
      databaseUrl: o.databaseUrl,
      applicationName: 'outbox-relay',
      channel: OUTBOX_CHANNEL,
      timeouts: o.database ?? {},
      logger: o.logger,
      onNotify,
      onLost: (err) => o.logger.warn({ err: err.message }, 'outbox LISTEN connection lost; polling until it is back'),
    });
  }

  /** Rejects when the first connection fails, as the relay's start did before. */
  start(): Promise<void> {
    return this.listener.start({ retry: false });
  }

  stop(): Promise<void> {
    return this.listener.stop();
  }
}
