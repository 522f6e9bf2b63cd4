import { Module } from '@nestjs/common';
import { ConnectionModule } from '../connection/connection.module.js';
import { DataTransferHandlers } from './data-transfer.handlers.js';
import { DataTransferService } from './data-transfer.service.js';

/** Vendor DataTransfer: charger messages routed to plug-ins over the bus. */
@Module({
  imports: [ConnectionModule],
  providers: [DataTransferService, DataTransferHandlers],
})
export class DataTransferModule {}
