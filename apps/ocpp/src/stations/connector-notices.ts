import { Inject, Injectable } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { StationContext } from '../connection/station-context.js';

type ReportedListener = (ctx: StationContext, connectorId: number) => void;
type CountedListener = (ctx: StationContext, numberOfConnectors: number) => void;

/**
 * A connector's status was stored, or a session on it (StartTransaction: a charger may start before,
 * or without, a status of the connector), or the charger's NumberOfConnectors: for features that must
 * know which connectors a station has (the split of an emulated station cap) without the stations or
 * transactions features knowing them. Called for every StatusNotification, so listeners run
 * synchronously and must be cheap (a lookup in memory); any work of theirs goes off the message's
 * answer. A listener's error is logged, never failing the message (stored already: the charger
 * would only send it again).
 */
@Injectable()
export class ConnectorNotices {
  private readonly listeners: ReportedListener[] = [];
  private readonly counters: CountedListener[] = [];

  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  onReported(listener: ReportedListener): void {
    this.listeners.push(listener);
  }

  /** NumberOfConnectors from a charger's answer (GetConfiguration, an accepted ChangeConfiguration), once stored with its capabilities. */
  onCounted(listener: CountedListener): void {
    this.counters.push(listener);
  }

  reported(ctx: StationContext, connectorId: number): void {
    // Inline, not through `safely`: no closure per status.
    for (const listener of this.listeners) {
      try {
        listener(ctx, connectorId);
      } catch (err) {
        this.logger.error({ err, stationId: ctx.stationId, connectorId }, 'connector listener failed');
      }
    }
  }

  counted(ctx: StationContext, numberOfConnectors: number): void {
    for (const listener of this.counters) this.safely(ctx, () => listener(ctx, numberOfConnectors), { numberOfConnectors });
  }

  private safely(ctx: StationContext, run: () => void, about: object): void {
    try {
      run();
    } catch (err) {
      this.logger.error({ err, stationId: ctx.stationId, ...about }, 'connector listener failed');
    }
  }
}
