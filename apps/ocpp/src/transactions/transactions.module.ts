import { Module } from '@nestjs/common';
import { AuthorizationModule } from '../authorization/authorization.module.js';
import { ConnectionModule } from '../connection/connection.module.js';
import { MeterValuesService } from './meter-values.service.js';
import { TransactionHandlers } from './transaction.handlers.js';
import { TransactionRepository } from './transaction.repository.js';
import { TransactionService } from './transaction.service.js';

@Module({
  imports: [ConnectionModule, AuthorizationModule],
  providers: [TransactionRepository, TransactionService, MeterValuesService, TransactionHandlers],
  exports: [TransactionRepository],
})
export class TransactionsModule {}
