import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import { SessionRegistry } from '../connection/session-registry.js';
import { ChargingProfileRepository } from './charging-profile.repository.js';
import { LimitDispatcher } from './limit-dispatcher.js';
import { PeriodicPass } from './periodic-pass.js';

/** Tries in a row without an answer (an accepted one starts the count again) before a profile waits for the next reconnect or boot. */
const MAX_ATTEMPTS = 5;

/**
 * Profiles that got no answer (timeout) or were planned while the charger was away are delivered
 * again periodically by the replica holding the charger's socket; a reconnect or boot re-sends
 * everything anyway. Refusals are not retried: they made the station uncontrolled for the planner.
 */
@Injectable()
export class ProfileRetry extends PeriodicPass implements OnApplicationBootstrap, OnModuleDestroy {
  protected readonly what = 'charging profile retry';

  constructor(
    private readonly profiles: ChargingProfileRepository,
    private readonly dispatcher: LimitDispatcher,
    private readonly registry: SessionRegistry,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) protected readonly logger: Logger,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.startEvery(this.config.OCPP_PROFILE_RETRY_MS);
  }

  /** Before the sessions close (their registry closes them just after): see PeriodicPass. */
  onModuleDestroy(): Promise<void> {
    return this.stop();
  }

  protected async pass(): Promise<void> {
    for (const stationId of await this.profiles.stationsToRetry(MAX_ATTEMPTS)) {
      if (this.stopping) return;
      const ctx = this.registry.get(stationId);
      if (ctx) await this.dispatcher.dispatch(stationId, { all: false, ctx });
    }
  }
}
