import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { StationContext } from '../connection/station-context.js';
import { StationLifecycle } from '../connection/station-lifecycle.js';
import { ReservationResend } from '../reservations/reservation-resend.js';
import { AvailabilityReapply } from './availability-reapply.js';
import { StationService } from './station.service.js';

/**
 * What the operator asked of a replaced unit (forgetReplacedUnit) and the new one, booted under the
 * same identity, should hold too: sent to it once its boot is accepted. The connectors' Inoperative
 * first (AvailabilityReapply), then the live reservations (ReservationResend): a reservation on a
 * connector taken out of service is answered as the old unit would have ended it (`Unavailable`).
 */
@Injectable()
export class ReplacedUnitReapply implements OnModuleInit {
  constructor(
    private readonly availability: AvailabilityReapply,
    private readonly reservations: ReservationResend,
    private readonly stations: StationService,
    private readonly lifecycle: StationLifecycle,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    // Early (after the onboarding read): a connector meant out of service, or reserved, should not
    // take another session meanwhile.
    this.lifecycle.onAccepted(async (ctx) => {
      const bootAt = this.stations.takeReplacedUnit(ctx);
      if (bootAt) await this.reapply(ctx, bootAt);
    }, 1);
  }

  private async reapply(ctx: StationContext, bootAt: Date): Promise<void> {
    // Each on its own: a failure of one (its database read) must not keep the other from the new unit.
    await this.availability.reapply(ctx, bootAt).catch((err: unknown) => this.logger.error({ err, stationId: ctx.stationId }, "replaced unit: the operator's Inoperative not sent again"));
    await this.reservations.toNewUnit(ctx, bootAt);
  }
}
