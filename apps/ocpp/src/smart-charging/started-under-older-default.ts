import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import type { JsonObject } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import { CommandExecutor } from '../commands/command-executor.js';
import type { StationContext } from '../connection/station-context.js';
import type { StationCapabilities } from '../stations/capabilities.js';
import { StationRepository } from '../stations/station.repository.js';
import { TransactionNotices, type StartedTransaction } from '../transactions/transaction-notices.js';
import { ChargingProfileRepository } from './charging-profile.repository.js';
import { LimitDispatcher } from './limit-dispatcher.js';
import type { BuiltProfile } from './profile-builder.js';
import { connectorDefault, RunningTransactionCap } from './running-transaction-cap.js';

/**
 * A session whose StartTransaction arrives after the charger accepted its connector's current
 * TxDefaultProfile, though stamped before it: the charger began it under an older default, which a
 * charger applying defaults to new sessions only keeps for its whole length. Typically a session
 * started offline, whose start was still in the charger's backlog when the reconnect pass sent the
 * new default (and the TxProfile, to the transaction the database had running then: ended offline,
 * refused); also one started just before a pass, whose start came after that pass looked. It is
 * held as the pass holds a running transaction (`RunningTransactionCap.startedUnderOlderDefault`).
 * A session started after the default's acceptance runs under it: nothing to do.
 *
 * Off the start's answer, on the replica holding the socket (the notice comes from there). Only
 * stations whose connector default was accepted by or through this replica are looked up
 * (`mayHoldOlderDefault`): one lookup by key per start there, none elsewhere.
 */
@Injectable()
export class StartedUnderOlderDefault implements OnModuleInit, OnModuleDestroy {
  private readonly logger: Logger;
  /** Work under way, awaited at shutdown so none writes after the database closed. */
  private readonly underway = new Set<Promise<void>>();

  constructor(
    private readonly notices: TransactionNotices,
    private readonly executor: CommandExecutor,
    private readonly profiles: ChargingProfileRepository,
    private readonly stations: StationRepository,
    private readonly cap: RunningTransactionCap,
    private readonly dispatcher: LimitDispatcher,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'ocpp-started-under-older-default' });
  }

  onModuleInit(): void {
    this.notices.onStarted((ctx, started) => {
      if (!this.cap.mayHoldOlderDefault(ctx.stationId)) return;
      const work: Promise<void> = this.hold(ctx, started)
        .catch((err: unknown) => this.logger.error({ err, stationId: ctx.stationId, ...started }, 'could not hold a session started under an older TxDefaultProfile to the current limit'))
        .finally(() => this.underway.delete(work));
      this.underway.add(work);
    });
    // A pass on another replica sends through the socket held here: its accepted defaults count too.
    this.executor.afterAnswer('SetChargingProfile', async (ctx, payload, answer) => {
      if (answer['status'] === 'Accepted' && connectorDefault(builtOf(payload))) this.cap.defaultAccepted(ctx.stationId);
    });
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.underway]);
  }

  private async hold(ctx: StationContext, started: StartedTransaction): Promise<void> {
    const { stationId } = ctx;
    const found = await this.profiles.defaultAcceptedAfterStart(stationId, started.transactionId);
    if (!found?.row.applied) return;
    const { row, notObeyed } = found;
    const sent: BuiltProfile = { connectorId: row.connectorId, profile: row.applied as unknown as BuiltProfile['profile'] };
    this.logger.info({ stationId, connectorId: row.connectorId, transactionId: started.transactionId, planId: row.planId }, 'session started before its connector took the current TxDefaultProfile; held as a running transaction');
    const caps = (await this.stations.capabilities(stationId)) as StationCapabilities;
    if (await this.cap.startedUnderOlderDefault(stationId, row, sent, started.transactionId, notObeyed, caps, ctx)) {
      // The TxProfile of a plan the row no longer holds replaced the newer one: the current plan goes again at once.
      void this.dispatcher.dispatch(stationId, { all: false }).catch((err: unknown) => this.logger.error({ err, stationId }, 'could not send the current plan again'));
    }
  }
}

function builtOf(payload: JsonObject): BuiltProfile {
  return { connectorId: Number(payload['connectorId']), profile: payload['csChargingProfiles'] as unknown as BuiltProfile['profile'] };
}
