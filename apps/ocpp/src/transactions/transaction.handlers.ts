import { Injectable, type OnModuleInit } from '@nestjs/common';
import { AuthorizationService } from '../authorization/authorization.service.js';
import { Ocpp16Dispatcher } from '../connection/ocpp16-dispatcher.js';
import { ConnectorNotices } from '../stations/connector-notices.js';
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
    private readonly connectors: ConnectorNotices,
  ) {}

  onModuleInit(): void {
    this.dispatcher.handle('Authorize', async (req, ctx) => ({ idTagInfo: await this.authorization.authorize(ctx.stationId, req.idTag) }));
    // A session on a connector proves it exists as well as its status, which may never have come
    // (firmware starting before any status, a status lost offline or held by MinimumStatusDuration):
    // told once the message is stored, as a status is (the split of an emulated station cap). Not a
    // MeterValues: an idle connector draws nothing, and its session's start comes first; nor would
    // its count be stored for the other replicas' passes (`KNOWN_CONNECTORS`).
    this.dispatcher.handle(
      'StartTransaction',
      async (req, ctx, call) => {
        const conf = await this.transactions.start(ctx.stationId, req, call.receivedAt, await this.transactions.stationRefused(ctx.stationId, ctx.registration), call.clockOffsetMs);
        this.connectors.reported(ctx, req.connectorId);
        return conf;
      },
      // After the answer: the charger's next queued message must not wait for what listeners do.
      async (req, conf, ctx) => this.notices.started(ctx, { transactionId: conf.transactionId, connectorId: req.connectorId }),
    );
    this.dispatcher.handle('StopTransaction', (req, ctx, call) => this.transactions.stop(ctx.stationId, req, call.receivedAt, call.clockOffsetMs));
    this.dispatcher.handle('MeterValues', async (req, ctx, call) => {
      await this.meterValues.record(ctx.stationId, req, call.receivedAt, ctx.connectedAt, call.clockOffsetMs, ctx.acceptedAt);
      return {};
    });
  }
}
