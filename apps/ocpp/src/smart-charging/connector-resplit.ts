import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import { ConnectorNotices } from '../stations/connector-notices.js';
import { ConnectorSplits } from './connector-splits.js';
import { LimitDispatcher } from './limit-dispatcher.js';

/** A connector that appears by its status under an emulated cap has every share sent again, split over one more. */
@Injectable()
export class ConnectorResplit implements OnModuleInit {
  constructor(
    private readonly notices: ConnectorNotices,
    private readonly splits: ConnectorSplits,
    private readonly dispatcher: LimitDispatcher,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.notices.onReported((ctx, connectorId) => {
      if (!this.splits.beyond(ctx.stationId, connectorId)) return;
      this.logger.info({ stationId: ctx.stationId, connectorId }, 'a connector beyond those the emulated station cap was split over reported; the shares are sent again');
      // Off the status's answer; chained after a pass running for the station, so it reads what that one recorded.
      void this.dispatcher.dispatch(ctx.stationId, { all: false, ctx, resplit: true }).catch((err: unknown) => this.logger.error({ err, stationId: ctx.stationId }, 'could not split the emulated station cap again'));
    });
  }
}
