import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PeriodicJob, ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import { OCPI_COMMAND_STALE_AFTER_S } from './command-deadline.js';
import { OcpiCommandRepository } from './ocpi-command.repository.js';
import { OcpiCommandsConsumer } from './ocpi-commands.consumer.js';

const EVERY_MS = 30_000;
/** Settled per pass at most (the rest in the next one). */
const BATCH = 100;

/**
 * Settles OCPI commands still pending long after any execution could have ended: the replica
 * running one stopped between recording and reporting it, or its result could not be written. They
 * get `TIMEOUT`, so the partner hears an outcome from us too. "Long after": see
 * OCPI_COMMAND_STALE_AFTER_S, so a command still executing on any replica is never settled under
 * it. Every replica runs the pass; a command is settled once (the settle is guarded).
 */
@Injectable()
export class StaleOcpiCommands implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly job = new PeriodicJob(() => this.run(), EVERY_MS, (err) => this.logger.error({ err }, 'settling stale OCPI commands failed'));

  constructor(
    private readonly commands: OcpiCommandRepository,
    private readonly consumer: OcpiCommandsConsumer,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.job.start({ runNow: false });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.job.stop();
  }

  /** Pending for longer than this, a command is no longer executing anywhere (s). */
  get staleAfterS(): number {
    return OCPI_COMMAND_STALE_AFTER_S;
  }

  /** One pass; returns the commands settled. */
  async run(): Promise<string[]> {
    const stale = await this.commands.pendingOlderThan(this.staleAfterS, BATCH);
    for (const commandId of stale) {
      this.logger.warn({ commandId, staleAfterS: this.staleAfterS }, 'OCPI command without an outcome; reporting TIMEOUT');
      await this.consumer.report({ commandId }, 'TIMEOUT', 'no outcome was recorded (the executing replica stopped, or its result could not be written)');
    }
    return stale;
  }
}
