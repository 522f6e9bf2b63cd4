import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { PgListener, ROOT_LOGGER } from '@cpo/platform';
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
  private readonly feed: PgListener;

  constructor(@Inject(HUB_CONFIG) private readonly config: OcpiHubConfig, @Inject(ROOT_LOGGER) logger: Logger) {
    this.feed = new PgListener({
      databaseUrl: config.DATABASE_URL,
      applicationName: 'ocpi-hub-object-changes',
      channel: OBJECT_CHANGED_CHANNEL,
      timeouts: config,
      logger,
      onNotify: (module) => this.bump(module),
      // Anything cached before this point may have missed a notification.
      onListening: () => (this.epoch += 1),
      onLost: (err) => {
        this.epoch += 1;
        logger.warn({ err: err.message }, 'object change feed lost; page cache off until it is back');
      },
    });
  }

  /** Whether cached reads may be served (the change feed is connected). */
  get reliable(): boolean {
    return this.feed.listening;
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
    await this.feed.start({ retry: true });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.feed.stop();
  }
}
