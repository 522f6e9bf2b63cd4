import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import { SessionRegistry } from '../connection/session-registry.js';
import { ChargingProfileRepository } from './charging-profile.repository.js';
import { LimitDispatcher } from './limit-dispatcher.js';
import { PeriodicPass } from './periodic-pass.js';

/**
 * Renews leased connector profiles (see `LeaseFallback`) of the chargers this replica holds, once a
 * third of the lease has passed since the charger accepted them: two renewals can fail before the
 * fallback applies. A charger nobody holds gets none, which is the point of the lease.
 */
@Injectable()
export class LeaseRenewal extends PeriodicPass implements OnApplicationBootstrap, OnModuleDestroy {
  protected readonly what = 'charging profile lease renewal';

  constructor(
    private readonly profiles: ChargingProfileRepository,
    private readonly dispatcher: LimitDispatcher,
    private readonly registry: SessionRegistry,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) protected readonly logger: Logger,
  ) {
    super();
  }

  /** Renew after this many seconds. */
  private get renewAfterS(): number {
    return Math.floor(this.config.OCPP_PROFILE_LEASE_S / 3);
  }

  onApplicationBootstrap(): void {
    if (this.config.OCPP_PROFILE_LEASE_S === 0) return;
    // Checked six times per renewal period (at most every minute), so a renewal is at most a sixth late.
    this.startEvery(Math.min(60_000, Math.max(1_000, Math.floor((this.renewAfterS * 1000) / 6))));
  }

  /** Before the sessions close (their registry closes them just after): see PeriodicPass. */
  onModuleDestroy(): Promise<void> {
    return this.stop();
  }

  protected async pass(): Promise<void> {
    for (const stationId of await this.profiles.stationsWithLeasesDue(this.registry.localStationIds(), this.renewAfterS)) {
      if (this.stopping) return;
      const ctx = this.registry.get(stationId);
      if (ctx) await this.dispatcher.dispatch(stationId, { all: false, ctx, renewLeasesOlderThanS: this.renewAfterS });
    }
  }
}
