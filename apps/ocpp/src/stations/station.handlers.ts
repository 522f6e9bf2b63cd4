import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Ocpp16Dispatcher } from '../connection/ocpp16-dispatcher.js';
import { StationLifecycle } from '../connection/station-lifecycle.js';
import { ReservationRepository } from '../reservations/reservation.repository.js';
import { BootTriggers } from './boot-triggers.js';
import { ConnectorNotices } from './connector-notices.js';
import { FirmwareReread } from './firmware-reread.js';
import { StationService } from './station.service.js';

/** Charger-initiated station messages (Core and FirmwareManagement profiles). */
@Injectable()
export class StationHandlers implements OnModuleInit {
  constructor(
    private readonly dispatcher: Ocpp16Dispatcher,
    private readonly stations: StationService,
    private readonly lifecycle: StationLifecycle,
    private readonly reservations: ReservationRepository,
    private readonly connectors: ConnectorNotices,
    private readonly firmware: FirmwareReread,
    private readonly bootTriggers: BootTriggers,
  ) {}

  onModuleInit(): void {
    const changedAtBoot = new WeakMap<object, boolean>();
    this.dispatcher.handle(
      'BootNotification',
      async (req, ctx, call) => {
        // A boot we asked for on this connection is no reboot (a retransmitted one never gets here: InboundIds).
        const triggered = await this.bootTriggers.takeFor(ctx.connectionId);
        const { response, changed } = await this.stations.boot(ctx, req, call.receivedAt, !triggered);
        ctx.registration = response.status;
        if (response.status === 'Accepted') ctx.acceptedAt ??= call.receivedAt;
        changedAtBoot.set(ctx, changed);
        return response;
      },
      async (_req, conf, ctx) => {
        if (conf.status === 'Accepted') await this.lifecycle.accepted(ctx, { bootChanged: changedAtBoot.get(ctx) ?? true });
      },
    );
    // Answered at once: in a reconnect storm the pool is the boots', and an unanswered Heartbeat makes chargers reconnect.
    this.dispatcher.handle('Heartbeat', async (_req, ctx, call) => {
      this.stations.heartbeat(ctx.stationId, call.receivedAt);
      return { currentTime: new Date().toISOString() };
    });
    this.dispatcher.handle('StatusNotification', async (req, ctx, call) => {
      await this.stations.status(ctx.stationId, req, call.receivedAt);
      this.connectors.reported(ctx, req.connectorId);
      // The charger has terminated its reservations there (OCPP 1.6 §5.13); rare, so off the status commit.
      if (req.status === 'Faulted' || req.status === 'Unavailable') await this.reservations.endOnInoperative(ctx.stationId, req.connectorId, req.status);
      return {};
    });
    this.dispatcher.handle(
      'FirmwareStatusNotification',
      async (req, ctx, call) => {
        const { readConfiguration } = await this.stations.uploadStatus(ctx.stationId, 'firmware', req.status, call.receivedAt, { action: 'FirmwareStatusNotification', payload: req });
        this.firmware.mark(ctx, readConfiguration);
        return {};
      },
      (_req, _conf, ctx) => this.firmware.after(ctx),
    );
    this.dispatcher.handle('DiagnosticsStatusNotification', async (req, ctx, call) => {
      await this.stations.uploadStatus(ctx.stationId, 'diagnostics', req.status, call.receivedAt, { action: 'DiagnosticsStatusNotification', payload: req });
      return {};
    });
  }
}
