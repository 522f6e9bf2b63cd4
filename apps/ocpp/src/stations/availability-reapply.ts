import { Inject, Injectable } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import { CommandExecutor } from '../commands/command-executor.js';
import type { StationContext } from '../connection/station-context.js';
import { AvailabilityRepository } from './availability.repository.js';

/**
 * A connector's availability is kept by the charger across reboots (OCPP 1.6 §5.2), but not by
 * another unit booted in its place (forgetReplacedUnit), which boots Operative. The operator's
 * Inoperative was made for the connector, and a swap of its hardware does not undo it (a bay
 * closed, a cable to inspect, a site under works): rather than a connector back in service without
 * anyone deciding it, the new unit is sent it again once its boot is accepted (ReplacedUnitReapply),
 * as a request of its own (recorded and shown with its own answer, AvailabilityEffects). The
 * operator sends Operative when the connector is to serve again. Connectors last asked Operative
 * need nothing.
 */
@Injectable()
export class AvailabilityReapply {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly requests: AvailabilityRepository,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** Sends the new unit the Inoperative of each connector last asked it before its boot at `bootAt`. */
  async reapply(ctx: StationContext, bootAt: Date): Promise<void> {
    for (const connectorId of await this.requests.inoperativeBefore(ctx.stationId, bootAt)) {
      const reply = await this.executor.execute(ctx, { action: 'ChangeAvailability', payload: { connectorId, type: 'Inoperative' } });
      const log = { stationId: ctx.stationId, connectorId, reply };
      if (reply.status === 'ok') this.logger.info(log, "replaced unit: the operator's Inoperative sent again");
      else this.logger.warn(log, "replaced unit: the operator's Inoperative could not be sent again; the station view shows the request and its outcome");
    }
  }
}
