import { Injectable, type OnModuleInit } from '@nestjs/common';
import { AuthorizationService } from '../authorization/authorization.service.js';
import { Ocpp16Dispatcher } from '../connection/ocpp16-dispatcher.js';
import { MeterValuesService } from './meter-values.service.js';
import { TransactionNotices } from './transaction-notices.js';
import { TransactionService } from './transaction.service.js';

/** Charger-initiated session messages: Authorize, StartTransaction, StopTransaction, MeterValues. */
@Injectable()
export class TransactionHandlers implements OnModuleInit {
  constructor(
    private readonly dispatcher: Ocpp16Dispatcher,
    private readonly authorization: AuthorizationService,
    private readonly transactions: TransactionService,
    private readonly meterValues: MeterValuesService,
    private readonly notices: TransactionNotices,
  ) {}

  onModuleInit(): void {
    this.dispatcher.handle('Authorize', async (req, ctx) => ({ idTagInfo: await this.authorization.authorize(ctx.stationId, req.idTag) }));
    this.dispatcher.handle(
      'StartTransaction',
      async (req, ctx, call) => this.transactions.start(ctx.stationId, req, call.receivedAt, await this.transactions.stationRefused(ctx.stationId, ctx.registration)),
      // After the answer: the charger's next queued message must not wait for what listeners do.
      async (req, conf, ctx) => this.notices.started(ctx, { transactionId: conf.transactionId, connectorId: req.connectorId }),
    );
    this.dispatcher.handle('StopTransaction', (req, ctx, call) => this.transactions.stop(ctx.stationId, req, call.receivedAt));
    this.dispatcher.handle('MeterValues', async (req, ctx, call) => {
      await this.meterValues.record(ctx.stationId, req, call.receivedAt);
      return {};
    });
  }
}
