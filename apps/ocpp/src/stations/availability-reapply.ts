import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import { CommandExecutor } from '../commands/command-executor.js';
import type { StationContext } from '../connection/station-context.js';
import { StationLifecycle } from '../connection/station-lifecycle.js';
import { AvailabilityRepository } from './availability.repository.js';
import { StationService } from './station.service.js';

/**
 * A connector's availability is kept by the charger across reboots (OCPP 1.6 §5.2), but not by
 * another unit booted in its place (forgetReplacedUnit), which boots Operative. The operator's
 * Inoperative was made for the connector, and a swap of its hardware does not undo it (a bay
 * closed, a cable to inspect, a site under works): rather than a connector back in service without
 * anyone deciding it, the new unit is sent it again once its boot is accepted, as a request of its
 * own (recorded and shown with its own answer, AvailabilityEffects). The operator sends Operative
 * when the connector is to serve again. Connectors last asked Operative need nothing.
 */
@Injectable()
export class AvailabilityReapply implements OnModuleInit {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly requests: AvailabilityRepository,
    private readonly stations: StationService,
    private readonly lifecycle: StationLifecycle,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    // Early (after the onboarding read): a connector meant out of service should not take a session meanwhile.
    this.lifecycle.onAccepted(async (ctx) => {
      const bootAt = this.stations.takeReplacedUnit(ctx);
      if (bootAt) await this.reapply(ctx, bootAt);
    }, 1);
  }

  private async reapply(ctx: StationContext, bootAt: Date): Promise<void> {
    for (const connectorId of await this.requests.inoperativeBefore(ctx.stationId, bootAt)) {
      const reply = await this.executor.execute(ctx, { action: 'ChangeAvailability', payload: { connectorId, type: 'Inoperative' } });
      const log = { stationId: ctx.stationId, connectorId, reply };
      if (reply.status === 'ok') this.logger.info(log, "replaced unit: the operator's Inoperative sent again");
      else this.logger.warn(log, "replaced unit: the operator's Inoperative could not be sent again; the station view shows the request and its outcome");
    }
  }
}
