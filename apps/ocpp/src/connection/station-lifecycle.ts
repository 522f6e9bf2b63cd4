import { Inject, Injectable } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import { deferredRun } from '../persistence/deferred-work.js';
import type { StationContext } from './station-context.js';

type AcceptedListener = (ctx: StationContext, info: { bootChanged: boolean }) => Promise<void>;
type ConnectedListener = (ctx: StationContext) => Promise<void>;

/**
 * Moments other features react to without the connection layer knowing them: a station was
 * accepted at boot (onboarding reads, profiles re-sent) or reconnected already accepted (profiles
 * re-sent). Listeners run after the charger has its answer, as deferred work: in a boot storm they
 * hold only their share of the database pool and wait for it in memory, behind no charger's CALL,
 * and only so many start at once (`deferred-work.ts`). Their errors are logged.
 */
@Injectable()
export class StationLifecycle {
  private readonly acceptedListeners: { order: number; listener: AcceptedListener }[] = [];
  private readonly connectedListeners: { order: number; listener: ConnectedListener }[] = [];

  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  /** Lower `order` runs first (onboarding reads before profiles are sent). */
  onAccepted(listener: AcceptedListener, order = 0): void {
    this.acceptedListeners.push({ order, listener });
    this.acceptedListeners.sort((a, b) => a.order - b.order);
  }

  /** Lower `order` runs first, as for onAccepted (a pending configuration read before profiles are sent). */
  onConnected(listener: ConnectedListener, order = 0): void {
    this.connectedListeners.push({ order, listener });
    this.connectedListeners.sort((a, b) => a.order - b.order);
  }

  accepted(ctx: StationContext, info: { bootChanged: boolean }): Promise<void> {
    return deferredRun(async () => {
      for (const { listener } of this.acceptedListeners) {
        await listener(ctx, info).catch((err: unknown) => this.logger.error({ err, stationId: ctx.stationId }, 'after-boot step failed'));
      }
    });
  }

  connected(ctx: StationContext): Promise<void> {
    return deferredRun(async () => {
      for (const { listener } of this.connectedListeners) {
        await listener(ctx).catch((err: unknown) => this.logger.error({ err, stationId: ctx.stationId }, 'on-connect step failed'));
      }
    });
  }
}
