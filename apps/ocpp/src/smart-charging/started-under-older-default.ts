import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import type { JsonObject } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { CommandExecutor } from '../commands/command-executor.js';
import type { StationContext } from '../connection/station-context.js';
import type { StationCapabilities } from '../stations/capabilities.js';
import { StationRepository } from '../stations/station.repository.js';
import { TransactionNotices, type StartedTransaction } from '../transactions/transaction-notices.js';
import { CLOCK_AHEAD_START, UNSET_CLOCK_START } from '../transactions/unset-clock.js';
import { toRow, type DesiredProfileRow } from './charging-profile.repository.js';
import { LimitDispatcher } from './limit-dispatcher.js';
import { isManagedProfileId, type BuiltProfile } from './profile-builder.js';
import { RunningTransactionCap } from './running-transaction-cap.js';

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
 * A connector without a plan of its own runs under an emulated station cap's share (id 99, or the
 * shares form): a session started under an older share gets the current one, as a pass carries it.
 * A start stamped by an unset or far-ahead clock is stored at receipt: when it began is unknown, so
 * it is held whenever its connector has a default the charger accepted.
 *
 * Off the start's answer, on the replica holding the socket (the notice comes from there), in the
 * station's turn between passes (`LimitDispatcher.inTurn`): a pass under way (a reconnect's, a new
 * plan's) may find these transactions running too, and its check and TxProfile and ours would each
 * report one (two NotObeyed, two `applied` for one plan); after it, a transaction it held is named in
 * the row's check. The starts that arrive until the turn comes are held in it together: a backlog of
 * N starts is one turn. Only stations a grid-limit TxDefaultProfile was accepted for by or through
 * this replica are looked up (`mayHoldOlderDefault`): one lookup by key per start there, none elsewhere.
 */
@Injectable()
export class StartedUnderOlderDefault implements OnModuleInit, OnModuleDestroy {
  private readonly logger: Logger;
  /** Work under way, awaited at shutdown so none writes after the database closed. */
  private readonly underway = new Set<Promise<void>>();
  /** Per station, the starts waiting for its turn, all held in it (a retried start's copy finds the first one's TxProfile in the row's check). */
  private readonly waiting = new Map<string, { ctx: StationContext; starts: StartedTransaction[] }>();
  /** Set at shutdown: a start answered from then on is not held (the sessions close next, the database after them). */
  private stopping = false;

  constructor(
    private readonly notices: TransactionNotices,
    private readonly executor: CommandExecutor,
    private readonly db: DataSource,
    private readonly stations: StationRepository,
    private readonly cap: RunningTransactionCap,
    private readonly dispatcher: LimitDispatcher,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'ocpp-started-under-older-default' });
  }

  onModuleInit(): void {
    this.notices.onStarted((ctx, started) => {
      if (this.stopping || !this.cap.mayHoldOlderDefault(ctx.stationId)) return;
      const queued = this.waiting.get(ctx.stationId);
      if (queued) {
        // The latest socket: the turn's calls go through it.
        queued.ctx = ctx;
        queued.starts.push(started);
        return;
      }
      const batch = { ctx, starts: [started] };
      this.waiting.set(ctx.stationId, batch);
      const work: Promise<void> = this.dispatcher
        .inTurn(ctx.stationId, async () => {
          this.waiting.delete(ctx.stationId);
          for (const s of batch.starts) await this.each(ctx.stationId, s, () => this.hold(batch.ctx, s));
        })
        .catch((err: unknown) => this.logger.error({ err, stationId: ctx.stationId }, 'could not hold sessions started under an older TxDefaultProfile to the current limit'))
        .finally(() => this.underway.delete(work));
      this.underway.add(work);
    });
    // A pass on another replica sends through the socket held here: its accepted defaults count too.
    // Only the grid limits' ids: an operator's own default (ids those reserve are refused to operators)
    // on a station without grid limits would have cost every later start there a lookup for nothing.
    this.executor.afterAnswer('SetChargingProfile', async (ctx, payload, answer) => {
      const { profile } = builtOf(payload);
      if (answer['status'] === 'Accepted' && profile?.chargingProfilePurpose === 'TxDefaultProfile' && isManagedProfileId(profile.chargingProfileId)) this.cap.defaultAccepted(ctx.stationId);
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    await this.settled();
  }

  /** Until no work is under way (work started while waiting included). */
  async settled(): Promise<void> {
    while (this.underway.size > 0) await Promise.all([...this.underway]);
  }

  /** One start's part of a turn: its failure is logged, the others' go on. */
  private each<T>(stationId: string, started: StartedTransaction, work: () => Promise<T>): Promise<T | undefined> {
    return work().catch((err: unknown) => {
      this.logger.error({ err, stationId, ...started }, 'could not hold a session started under an older TxDefaultProfile to the current limit');
      return undefined;
    });
  }

  private async hold(ctx: StationContext, started: StartedTransaction): Promise<void> {
    const { stationId } = ctx;
    const found = await this.defaultAcceptedAfterStart(stationId, started.transactionId);
    if (!found?.row.applied) return;
    const { row, notObeyed, connectorId } = found;
    // The cap's form (id 99, or a share in the shares form) is the same even share for every connector.
    const sent: BuiltProfile = { connectorId, profile: row.applied as unknown as BuiltProfile['profile'] };
    this.logger.info({ stationId, connectorId, transactionId: started.transactionId, planId: row.planId }, 'session started before its connector took the current TxDefaultProfile; held as a running transaction');
    const caps = (await this.stations.capabilities(stationId)) as StationCapabilities;
    const reopened = row.connectorId === 0
      ? await this.cap.shareStartedUnderOlderDefault(stationId, row, sent, started.transactionId, notObeyed, caps, ctx)
      : await this.cap.startedUnderOlderDefault(stationId, row, sent, started.transactionId, notObeyed, caps, ctx);
    if (reopened) {
      // The TxProfile of a plan the row no longer holds replaced the newer one: the current plan goes again at once.
      void this.dispatcher.dispatch(stationId, { all: false }).catch((err: unknown) => this.logger.error({ err, stationId }, 'could not send the current plan again'));
    }
  }

  /**
   * The connector's TxDefaultProfile of transaction `transactionId` (still running) if the charger
   * accepted it after the transaction's start as stored, or at any time if the start's stamp was not
   * its time (an unset or far-ahead clock: stored at receipt, it may have begun long before, offline),
   * unless the row's check already went through that transaction's TxProfile (a pass held it, or a
   * copy of its start did); with whether that check found the connector above it (`NotObeyed`
   * published for its plan). A connector without a plan of its own (none, or refused) runs under an
   * emulated station cap's share: the cap's row then. By key: the transaction's, then the station's profiles.
   */
  private async defaultAcceptedAfterStart(stationId: string, transactionId: number): Promise<{ row: DesiredProfileRow; notObeyed: boolean; connectorId: number } | undefined> {
    const [r]: Record<string, unknown>[] = await this.db.query(
      `SELECT p.*, p.verification LIKE 'exceeded%' AS not_obeyed, t.connector_id AS tx_connector_id FROM transactions t
         JOIN charging_profiles p ON p.station_id = t.station_id AND (p.connector_id = t.connector_id OR (p.connector_id = 0 AND NOT EXISTS (
                SELECT 1 FROM charging_profiles o WHERE o.station_id = t.station_id AND o.connector_id = t.connector_id AND o.state IN ('applied', 'pending', 'failed'))))
        WHERE t.transaction_id = $2 AND t.station_id = $1 AND t.stopped_at IS NULL AND NOT t.orphan AND t.connector_id > 0
          AND p.state = 'applied' AND p.applied->>'chargingProfilePurpose' = 'TxDefaultProfile'
          AND (p.applied_at > t.started_at
               OR EXISTS (SELECT 1 FROM station_messages m WHERE m.station_id = t.station_id AND m.received_at = t.started_at AND m.kind = ANY($3::text[])))
          AND (p.verification IS NULL OR p.verification NOT LIKE ('%via TxProfile % for transaction ' || t.transaction_id))
        ORDER BY p.applied_at DESC LIMIT 1`,
      [stationId, transactionId, [UNSET_CLOCK_START, CLOCK_AHEAD_START]],
    );
    return r && { row: toRow(r), notObeyed: r['not_obeyed'] === true, connectorId: Number(r['tx_connector_id']) };
  }
}

function builtOf(payload: JsonObject): BuiltProfile {
  return { connectorId: Number(payload['connectorId']), profile: payload['csChargingProfiles'] as unknown as BuiltProfile['profile'] };
}
