import { Inject, Injectable } from '@nestjs/common';
import { Subjects } from '@cpo/contracts';
import { OutboxWriter } from '@cpo/messaging';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { StationContext } from '../connection/station-context.js';
import { OcppMetrics } from '../metrics/ocpp-metrics.js';
import type { StationCapabilities } from '../stations/capabilities.js';
import { StationRepository } from '../stations/station.repository.js';
import { TransactionRepository } from '../transactions/transaction.repository.js';
import { ChargingProfileRepository, type DesiredProfileRow } from './charging-profile.repository.js';
import { forRunningTransaction, type BuiltProfile } from './profile-builder.js';
import { ProfileVerifier } from './profile-verifier.js';
import { StationCaller } from './station-caller.js';

/**
 * What follows a profile the charger accepted: its check (`ProfileVerifier`), and for a connector's
 * TxDefaultProfile the running transaction. OCPP 1.6 §3.13.1 defines TxDefaultProfile as the default
 * for *new* transactions, and some firmware applies a changed one only from the next session on: a
 * limit cut during a session would then never reach the car. When the check finds the connector
 * above its limit while a transaction runs, the limit goes to that transaction as a TxProfile
 * (`forRunningTransaction`: fixed id per connector, pinned to the transaction, same level and end);
 * if the charger then obeys, that is learned (`txDefaultSkipsRunningTransaction`) and every later
 * limit for a connector in a transaction, lease renewals included, goes out both ways, and the
 * planner hears `applied` again after the `NotObeyed`. The charger deletes a TxProfile when its
 * transaction ends; the next one starts under the TxDefaultProfile.
 */
@Injectable()
export class RunningTransactionCap {
  private readonly logger: Logger;

  constructor(
    private readonly db: DataSource,
    private readonly transactions: TransactionRepository,
    private readonly stations: StationRepository,
    private readonly profiles: ChargingProfileRepository,
    private readonly caller: StationCaller,
    private readonly verifier: ProfileVerifier,
    private readonly outbox: OutboxWriter,
    private readonly metrics: OcppMetrics,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'ocpp-running-transaction-cap' });
  }

  /**
   * After the charger accepted `sent` for `row`; a renewal (same lease again) is not checked again.
   * True when the transaction's TxProfile went out for a plan the row no longer holds: the row is
   * pending again and its current plan must follow at once.
   */
  async afterAccepted(stationId: string, row: DesiredProfileRow, sent: BuiltProfile, caps: StationCapabilities, o: { ctx?: StationContext; renewal: boolean }): Promise<boolean> {
    // A renewal only matters here for a charger known to need the TxProfile: no lookup otherwise (renewals are periodic, for every station).
    if (o.renewal && !caps.txDefaultSkipsRunningTransaction) return false;
    const connectorDefault = sent.connectorId > 0 && sent.profile.chargingProfilePurpose === 'TxDefaultProfile';
    const transactionId = connectorDefault ? await this.running(stationId, sent.connectorId) : undefined;
    if (transactionId !== undefined && caps.txDefaultSkipsRunningTransaction) {
      const { tx, reopened } = await this.send(stationId, row, sent, transactionId, 'known', o.ctx);
      if (!o.renewal) await this.verifier.verify(stationId, row, tx ?? sent, { ctx: o.ctx, note: tx && via(tx, transactionId) });
      return reopened;
    }
    if (o.renewal) return false;
    const outcome = await this.verifier.verify(stationId, row, sent, { ctx: o.ctx });
    if (outcome !== 'exceeded' || transactionId === undefined) return false;
    const { tx, reopened } = await this.send(stationId, row, sent, transactionId, 'exceeded', o.ctx);
    if (!tx) return reopened;
    if ((await this.verifier.verify(stationId, row, tx, { ctx: o.ctx, note: via(tx, transactionId) })) !== 'verified') return reopened;
    await this.stations.learnCapabilities(stationId, { txDefaultSkipsRunningTransaction: true });
    this.logger.info({ stationId, connectorId: sent.connectorId, transactionId }, 'charger applies TxDefaultProfile to new transactions only; running transactions get a TxProfile');
    await this.db.transaction((m) =>
      this.outbox.enqueue(m, Subjects.OcppChargingProfileApplied, {
        stationId,
        connectorId: tx.connectorId,
        planId: row.planId ?? undefined,
        chargingProfileId: tx.profile.chargingProfileId,
        purpose: 'TxProfile',
        stackLevel: tx.profile.stackLevel,
        appliedAt: new Date().toISOString(),
      }),
    );
    return reopened;
  }

  private async running(stationId: string, connectorId: number): Promise<number | undefined> {
    const [id] = await this.transactions.activeAt(this.db.manager, [{ stationId, connectorId, at: new Date() }]);
    return id ?? undefined;
  }

  /**
   * The TxProfile for the transaction, if the charger accepted it. It goes out after every profile
   * of the pass: if a newer plan's TxProfile went out meanwhile, ours replaced it on the charger, and
   * the row is sent again (with its TxProfile).
   */
  private async send(stationId: string, row: DesiredProfileRow, txDefault: BuiltProfile, transactionId: number, trigger: 'exceeded' | 'known', ctx?: StationContext): Promise<{ tx?: BuiltProfile; reopened: boolean }> {
    const tx = forRunningTransaction(txDefault, transactionId);
    const reply = await this.caller.setProfile(stationId, tx, ctx);
    const accepted = reply.status === 'ok' && reply.payload['status'] === 'Accepted';
    this.metrics.runningTransactionProfiles.inc({ trigger, outcome: accepted ? 'accepted' : 'refused' });
    let reopened = false;
    if (!accepted) {
      const result = reply.status === 'ok' ? String(reply.payload['status']) : `${reply.code}: ${reply.description}`;
      this.logger.warn({ stationId, connectorId: tx.connectorId, transactionId, result }, 'TxProfile for the running transaction not accepted');
    } else if (await this.db.transaction((m) => this.profiles.reopenAfterStaleAccept(m, stationId, row.chargingProfileId, row.planId, undefined, `TxProfile ${tx.profile.chargingProfileId} of a superseded plan accepted`))) {
      reopened = true;
      this.logger.warn({ stationId, connectorId: tx.connectorId, transactionId, planId: row.planId }, 'TxProfile of a superseded plan accepted; the current plan is sent again');
    }
    return { tx: accepted ? tx : undefined, reopened };
  }
}

function via(tx: BuiltProfile, transactionId: number): string {
  return `via TxProfile ${tx.profile.chargingProfileId} for transaction ${transactionId}`;
}
