import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { pgListenOptions, ROOT_LOGGER, superviseListener } from '@cpo/platform';
import pg from 'pg';
import type { Logger } from 'pino';
import { HUB_CONFIG, type OcpiHubConfig } from '../config.js';

export const OBJECT_CHANGED_CHANNEL = 'ocpi_object_changed';

/**
 * A generation counter per module of the object cache, bumped whenever its objects may have
 * changed: by this replica right after it wrote, and by every replica when PostgreSQL's
 * `ocpi_object_changed` notification arrives (sent by a trigger after commit, see the migration).
 * Readers remember the generation a result was computed under and trust it only while unchanged.
 * While the LISTEN connection is down nothing may be trusted: `reliable` is false.
 */
@Injectable()
export class ObjectChanges implements OnModuleInit, OnApplicationShutdown {
  private readonly generations = new Map<string, number>();
  private epoch = 0;
  private client?: pg.Client;
  private stopped = false;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: OcpiHubConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** Whether cached reads may be served (the change feed is connected). */
  get reliable(): boolean {
    return this.client !== undefined;
  }

  /** The current generation of a module (changes on every write anywhere, and on feed loss). */
  generation(module: string): string {
    return `${this.epoch}.${this.generations.get(module) ?? 0}`;
  }

  /** Called by this replica's writers, before and after commit. */
  bump(module: string): void {
    this.generations.set(module, (this.generations.get(module) ?? 0) + 1);
  }

  async onModuleInit(): Promise<void> {
    if (this.config.OCPI_PAGE_CACHE_MB === 0) return;
    await this.listen().catch((err: unknown) => this.retryLater(err));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.config.DATABASE_URL, application_name: 'ocpi-hub-object-changes', ...pgListenOptions(this.config) });
    client.on('notification', (n) => this.bump(n.payload ?? ''));
    client.on('error', (err) => this.logger.warn({ err: err.message }, 'object change feed connection error'));
    // 'end', not 'error': a connection superviseListener ended (silent peer) emits no error.
    client.once('end', () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.retryLater(new Error('LISTEN connection ended'));
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${OBJECT_CHANGED_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    // Anything cached before this point may have missed a notification.
    this.epoch += 1;
    this.client = client;
    superviseListener(client, this.config);
  }

  private retryLater(err: unknown): void {
    this.epoch += 1;
    if (this.stopped) return;
    this.logger.warn({ err: (err as Error).message }, 'object change feed lost; page cache off until it is back');
    setTimeout(() => void this.listen().catch((e: unknown) => this.retryLater(e)), 1000).unref();
  }
}
