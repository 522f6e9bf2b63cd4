import { pgListenOptions, superviseListener, type PgTimeouts } from '@cpo/platform';
import pg from 'pg';
import type { Logger } from 'pino';
import { OUTBOX_CHANNEL } from './schema.js';

/**
 * The relay's LISTEN connection for the outbox NOTIFY (a pooled connection cannot hold LISTEN).
 * While it is down the relay's poll interval is the safety net, and it is re-established every
 * second until it is back: a failed attempt tries again, a connection that went silent
 * (`superviseListener` ends it, with no 'error') too.
 */
export class OutboxListener {
  private client?: pg.Client;
  private running = false;

  constructor(
    private readonly o: { databaseUrl: string; database?: PgTimeouts; logger: Logger },
    private readonly onNotify: () => void,
  ) {}

  async start(): Promise<void> {
    this.running = true;
    await this.listen();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.o.databaseUrl, application_name: 'outbox-relay', ...pgListenOptions(this.o.database ?? {}) });
    client.on('notification', this.onNotify);
    client.on('error', (err) => this.o.logger.warn({ err: err.message }, 'outbox LISTEN connection lost; polling until it is back'));
    // 'end', not 'error': a connection superviseListener ended (silent peer) emits no error.
    client.once('end', () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.relisten();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
    superviseListener(client, this.o.database ?? {});
  }

  private relisten(): void {
    if (!this.running) return;
    setTimeout(() => {
      if (!this.running || this.client) return;
      this.listen().catch((err: unknown) => {
        this.o.logger.warn({ err: (err as Error).message }, 'outbox LISTEN reconnect failed; retrying');
        this.relisten();
      });
    }, 1000).unref();
  }
}
