import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import type { JsonObject } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import { CommandExecutor } from '../commands/command-executor.js';
import type { StationContext } from '../connection/station-context.js';
import { StationLifecycle } from '../connection/station-lifecycle.js';
import { ConnectorNotices } from '../stations/connector-notices.js';
import { ChargingProfileRepository } from './charging-profile.repository.js';
import { ConnectorSplits } from './connector-splits.js';
import { LimitDispatcher } from './limit-dispatcher.js';
import { connectorProfileId, EMULATED_CAP_PROFILE_ID } from './profile-builder.js';

/**
 * A connector that appears by its status under an emulated cap, or a NumberOfConnectors above the
 * count in a charger's answer, has every share sent again, split over the new count, by the replica
 * holding the socket (`connector-splits.ts` keeps the count).
 */
@Injectable()
export class ConnectorResplit implements OnModuleInit {
  /** Stations with a re-split running or queued: statuses meanwhile only raise the count it looks at when done. */
  private readonly running = new Set<string>();

  constructor(
    private readonly notices: ConnectorNotices,
    private readonly splits: ConnectorSplits,
    private readonly dispatcher: LimitDispatcher,
    private readonly profiles: ChargingProfileRepository,
    private readonly executor: CommandExecutor,
    private readonly lifecycle: StationLifecycle,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.notices.onReported((ctx, connectorId) => {
      if (!this.splits.reported(ctx.stationId, connectorId)) return;
      this.logger.info({ stationId: ctx.stationId, connectorId }, 'a connector beyond those the emulated station cap was split over reported; the shares are sent again');
      this.resplit(ctx);
    });
    // A charger that now counts more connectors than the split (an operator's GetConfiguration after
    // a firmware update, a fixed misreport): the connectors beyond it draw more than their share
    // even before they report. A lower count changes nothing here: the split never goes below the
    // connectors seen (`emulated-cap.ts`, `recordSplit`), nor below `seen`.
    this.notices.onCounted((ctx, numberOfConnectors) => {
      const { stationId } = ctx;
      const beyond = () => {
        if (!this.splits.reported(stationId, numberOfConnectors)) return false;
        this.logger.info({ stationId, numberOfConnectors }, 'the charger counts more connectors than the emulated station cap was split over; the shares are sent again');
        return true;
      };
      if (this.splits.has(stationId)) {
        if (beyond()) this.resplit(ctx);
        return;
      }
      // No count held here (no pass since the socket came, none through it): the one kept with the
      // cap row, read once. GetConfiguration is rare: a query per answer costs nothing that matters.
      void this.splits
        .learn(stationId, () => this.profiles.splitOf(stationId))
        .then((behind) => (beyond() || behind) && this.resplit(ctx))
        .catch((err: unknown) => this.logger.error({ err, stationId }, 'could not read the split of the emulated station cap'));
    });
    // Before the pass of a (re)connect or boot (order 10), which sets the count again if the cap is
    // still emulated: a count from an earlier socket here, or from before new firmware made the
    // station forget its refusals, could lie above the next split and hide a connector beyond it.
    const forget = async (ctx: StationContext) => this.splits.forget(ctx.stationId);
    this.lifecycle.onConnected(forget, 5);
    this.lifecycle.onAccepted(forget, 5);
    // Profiles that may carry the cap's shares, sent through this socket by a pass on another
    // replica (a plan consumed there): a station this replica holds no count for reads the count
    // that pass kept, once. Off the command's answer; no query per status.
    this.executor.afterAnswer('SetChargingProfile', async (ctx, payload) => {
      if (!mayCarryShare(payload) || this.splits.has(ctx.stationId)) return;
      void this.splits
        .learn(ctx.stationId, () => this.profiles.splitOf(ctx.stationId))
        .then((behind) => behind && this.resplit(ctx))
        .catch((err: unknown) => this.logger.error({ err, stationId: ctx.stationId }, 'could not read the split of the emulated station cap'));
    });
  }

  /** One re-split at a time per station, run again while a connector reported beyond the count its pass read. */
  private resplit(ctx: StationContext): void {
    const { stationId } = ctx;
    if (this.running.has(stationId)) return;
    this.running.add(stationId);
    void this.untilSplit(ctx)
      // The count is raised only by a pass that read it: the next status beyond it tries again.
      .catch((err: unknown) => this.logger.error({ err, stationId }, 'could not split the emulated station cap again'))
      .finally(() => this.running.delete(stationId));
  }

  private async untilSplit(ctx: StationContext): Promise<void> {
    for (;;) {
      const passes = this.splits.passes(ctx.stationId);
      // Chained after a pass running for the station, so it reads what that one recorded.
      await this.dispatcher.dispatch(ctx.stationId, { all: false, ctx, resplit: true });
      // No split made: the cap is no longer emulated (or gone); no entry until a pass emulates it again.
      if (this.splits.passes(ctx.stationId) === passes) return this.splits.forget(ctx.stationId);
      if (!this.splits.behind(ctx.stationId)) return;
    }
  }
}

/** A SetChargingProfile of the emulated cap (id 99) or of a connector's profile, which may hold its share. */
function mayCarryShare(payload: JsonObject): boolean {
  const id = (payload['csChargingProfiles'] as { chargingProfileId?: unknown } | undefined)?.chargingProfileId;
  return typeof id === 'number' && (id === EMULATED_CAP_PROFILE_ID || (id >= connectorProfileId(1) && id <= connectorProfileId(99)));
}
