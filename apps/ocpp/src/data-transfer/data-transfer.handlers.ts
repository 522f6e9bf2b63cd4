import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Ocpp16Dispatcher } from '../connection/ocpp16-dispatcher.js';
import { DataTransferService } from './data-transfer.service.js';

/** Charger-initiated DataTransfer (Core profile), answered by the vendor's plug-in. */
@Injectable()
export class DataTransferHandlers implements OnModuleInit {
  constructor(
    private readonly dispatcher: Ocpp16Dispatcher,
    private readonly dataTransfers: DataTransferService,
  ) {}

  onModuleInit(): void {
    this.dispatcher.handle('DataTransfer', (req, ctx, call) => this.dataTransfers.received(ctx.stationId, req, call.receivedAt));
  }
}
