import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, PeriodicJob, ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import { SessionRegistry } from '../connection/session-registry.js';
import { ChargingProfileRepository } from './charging-profile.repository.js';
import { LimitDispatcher } from './limit-dispatcher.js';

/** Tries in a row without an answer (an accepted one starts the count again) before a profile waits for the next reconnect or boot. */
const MAX_ATTEMPTS = 5;

/**
 * Profiles that got no answer (timeout) or were planned while the charger was away are delivered
 * again periodically by the replica holding the charger's socket; a reconnect or boot re-sends
 * everything anyway. Refusals are not retried: they made the station uncontrolled for the planner.
 */
@Injectable()
export class ProfileRetry implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly job: PeriodicJob;

  constructor(
    private readonly profiles: ChargingProfileRepository,
    private readonly dispatcher: LimitDispatcher,
    private readonly registry: SessionRegistry,
    @Inject(APP_CONFIG) config: OcppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.job = new PeriodicJob(() => this.pass(), config.OCPP_PROFILE_RETRY_MS, (err) => this.logger.error({ err }, 'charging profile retry failed'));
  }

  onApplicationBootstrap(): void {
    this.job.start({ runNow: false });
  }

  /**
   * Before the sessions close (their registry closes them just after): waits for the running pass,
   * which ends after the charger it is at, so no pass calls a charger being moved to another
   * replica (recording it Offline) or writes after the database has closed.
   */
  onModuleDestroy(): Promise<void> {
    return this.job.stop();
  }

  /** Runs a pass now, or waits for the one running; nothing once stopped. */
  run(): Promise<void> {
    return this.job.runNow();
  }

  private async pass(): Promise<void> {
    for (const stationId of await this.profiles.stationsToRetry(MAX_ATTEMPTS)) {
      if (this.job.stopping) return;
      const ctx = this.registry.get(stationId);
      if (ctx) await this.dispatcher.dispatch(stationId, { all: false, ctx });
    }
  }
}
