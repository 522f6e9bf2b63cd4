import { Module } from '@nestjs/common';
import { AuthorizationModule } from '../authorization/authorization.module.js';
import { ConnectionModule } from '../connection/connection.module.js';
import { PersistenceModule } from '../persistence/persistence.module.js';
import { ReservationsModule } from '../reservations/reservations.module.js';
import { StationsModule } from '../stations/stations.module.js';
import { MeterValuesService } from './meter-values.service.js';
import { TransactionOwners } from './transaction-owners.js';
import { RemoteStartRepository } from './remote-start.repository.js';
import { RemoteStartTracker } from './remote-start.tracker.js';
import { TransactionHandlers } from './transaction.handlers.js';
import { TransactionNotices } from './transaction-notices.js';
import { TransactionRepository } from './transaction.repository.js';
import { TransactionService } from './transaction.service.js';

@Module({
  imports: [ConnectionModule, AuthorizationModule, ReservationsModule, PersistenceModule, StationsModule],
  providers: [TransactionRepository, TransactionOwners, TransactionService, MeterValuesService, TransactionHandlers, TransactionNotices, RemoteStartRepository, RemoteStartTracker],
  exports: [TransactionRepository, RemoteStartRepository, RemoteStartTracker, TransactionNotices],
})
export class TransactionsModule {}
