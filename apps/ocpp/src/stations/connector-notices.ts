import { Inject, Injectable } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { StationContext } from '../connection/station-context.js';

type ReportedListener = (ctx: StationContext, connectorId: number) => void;

/**
 * A connector's status was stored: for features that must know which connectors a station has (the
 * split of an emulated station cap) without the stations feature knowing them. Called for every
 * StatusNotification, so listeners run synchronously and must be cheap (a lookup in memory); any
 * work of theirs goes off the status's answer. A listener's error is logged, never failing the status
 * (stored already: the charger would only send it again).
 */
@Injectable()
export class ConnectorNotices {
  private readonly listeners: ReportedListener[] = [];

  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  onReported(listener: ReportedListener): void {
    this.listeners.push(listener);
  }

  reported(ctx: StationContext, connectorId: number): void {
    for (const listener of this.listeners) {
      try {
        listener(ctx, connectorId);
      } catch (err) {
        this.logger.error({ err, stationId: ctx.stationId, connectorId }, 'connector status listener failed');
      }
    }
  }
}
