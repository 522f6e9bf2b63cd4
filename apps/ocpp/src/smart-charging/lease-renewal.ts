import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, PeriodicJob, ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import { SessionRegistry } from '../connection/session-registry.js';
import { ChargingProfileRepository } from './charging-profile.repository.js';
import { LimitDispatcher } from './limit-dispatcher.js';

/**
 * Renews leased connector profiles (see `LeaseFallback`) of the chargers this replica holds, once a
 * third of the lease has passed since the charger accepted them: two renewals can fail before the
 * fallback applies. A charger nobody holds gets none, which is the point of the lease.
 */
@Injectable()
export class LeaseRenewal implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly job: PeriodicJob;

  constructor(
    private readonly profiles: ChargingProfileRepository,
    private readonly dispatcher: LimitDispatcher,
    private readonly registry: SessionRegistry,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.job = new PeriodicJob(() => this.pass(), renewalCheckMs(config), (err) => this.logger.error({ err }, 'charging profile lease renewal failed'));
  }

  /** Renew after this many seconds. */
  private get renewAfterS(): number {
    return renewAfterS(this.config);
  }

  onApplicationBootstrap(): void {
    if (this.config.OCPP_PROFILE_LEASE_S === 0) return;
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
    for (const stationId of await this.profiles.stationsWithLeasesDue(this.registry.localStationIds(), this.renewAfterS)) {
      if (this.job.stopping) return;
      const ctx = this.registry.get(stationId);
      if (ctx) await this.dispatcher.dispatch(stationId, { all: false, ctx, renewLeasesOlderThanS: this.renewAfterS });
    }
  }
}

const renewAfterS = (config: OcppConfig): number => Math.floor(config.OCPP_PROFILE_LEASE_S / 3);

/** Checked six times per renewal period (at most every minute), so a renewal is at most a sixth late. */
const renewalCheckMs = (config: OcppConfig): number => Math.min(60_000, Math.max(1_000, Math.floor((renewAfterS(config) * 1000) / 6)));
