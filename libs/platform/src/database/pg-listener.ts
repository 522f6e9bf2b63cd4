import pg from 'pg';
import type { Logger } from 'pino';
import { pgListenOptions, superviseListener, type PgTimeouts } from './pg-connection.js';

export interface PgListenerOptions {
  databaseUrl: string;
  applicationName: string;
  /** A trusted identifier (a constant): LISTEN takes no parameters. */
  channel: string;
  timeouts: PgTimeouts;
  logger: Logger;
  onNotify: (payload: string) => void;
  /** LISTEN is in place: notifications from here on arrive (what came before may have been missed). */
  onListening?: () => void;
  /** The connection is gone (or could not be made): notifications are missed until `onListening`. */
  onLost?: (err: Error) => void;
  /** Wait before each reconnect attempt (default 1 s). */
  retryMs?: number;
}

/**
 * One LISTEN connection kept up: a pooled connection cannot hold LISTEN, and a lost one (error,
 * server restart, or a silent peer `superviseListener` ends, which emits 'end' but no 'error') is
 * re-established every `retryMs` until it is back, for as long as the listener runs.
 */
export class PgListener {
  private client?: pg.Client;
  private running = false;
  /**
   * The connection attempt in flight, if any: one at a time, so a second start(), or a retry timer
   * left from before a stop() and start(), cannot open a second LISTEN connection (the first then
   * leaked, still notifying); stop() waits for it, so no connection outlives stop().
   */
  private attempt?: Promise<void>;

  constructor(private readonly o: PgListenerOptions) {}

  /** Whether LISTEN is in place now. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /**
   * Connects and LISTENs. `retry: false` rejects on a first failure (the caller decides); `true`
   * reports it through `onLost` and keeps trying in the background.
   */
  async start(options: { retry: boolean }): Promise<void> {
    if (this.running && this.client) return;
    this.running = true;
    try {
      await this.connect();
    } catch (err) {
      if (!options.retry) {
        // Nothing retries: not running, so a later start() tries again rather than taking it for running.
        this.running = false;
        throw err;
      }
      this.lost(err as Error);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    const client = this.client;
    this.client = undefined;
    // An attempt in flight ends its own client once it sees `running` false (listen()).
    await Promise.all([client?.end().catch(() => undefined), this.attempt?.catch(() => undefined)]);
  }

  /** The attempt in flight, or a new one. */
  private connect(): Promise<void> {
    this.attempt ??= this.listen().finally(() => (this.attempt = undefined));
    return this.attempt;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.o.databaseUrl, application_name: this.o.applicationName, ...pgListenOptions(this.o.timeouts) });
    client.on('notification', (n) => this.o.onNotify(n.payload ?? ''));
    client.on('error', (err) => this.o.logger.warn({ err: err.message, channel: this.o.channel }, 'LISTEN connection error'));
    client.once('end', () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.lost(new Error('LISTEN connection ended'));
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.o.channel}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (!this.running) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.o.onListening?.();
    superviseListener(client, this.o.timeouts);
  }

  private lost(err: Error): void {
    this.o.onLost?.(err);
    if (!this.running) return;
    setTimeout(() => {
      if (!this.running || this.client || this.attempt) return;
      this.connect().catch((e: unknown) => this.lost(e as Error));
    }, this.o.retryMs ?? 1000).unref();
  }
}
