import { Inject, Injectable } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { StationContext } from '../connection/station-context.js';
import { OcppMetrics } from '../metrics/ocpp-metrics.js';
import { ChargingProfileRepository, type DesiredProfileRow } from './charging-profile.repository.js';
import { forRunningTransaction, type BuiltProfile } from './profile-builder.js';
import { StationCaller } from './station-caller.js';

/** A running transaction's TxProfile (`RunningTransactionCap`): the limit of a TxDefaultProfile the charger keeps from the transaction. */
@Injectable()
export class TxProfileSend {
  private readonly logger: Logger;

  constructor(
    private readonly db: DataSource,
    private readonly profiles: ChargingProfileRepository,
    private readonly caller: StationCaller,
    private readonly metrics: OcppMetrics,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'ocpp-running-transaction-cap' });
  }

  /**
   * The TxProfile for the transaction, if the charger accepted it. It goes out after every profile
   * of the pass: if a newer plan's TxProfile went out meanwhile, ours replaced it on the charger, and
   * the row is sent again (with its TxProfile).
   */
  async send(stationId: string, row: DesiredProfileRow, txDefault: BuiltProfile, transactionId: number, trigger: 'exceeded' | 'known', ctx?: StationContext, readBefore = false): Promise<{ tx?: BuiltProfile; reopened: boolean }> {
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
    } else if (readBefore) {
      // `txDefault` was read from the row before, outside the passes: one of the same plan may have
      // sent a newer form since (a lower cap's share, a re-split) with its TxProfile, which ours replaced.
      const newer = await this.newerForm(stationId, row, txDefault);
      if (newer) await this.caller.setProfile(stationId, forRunningTransaction(newer, transactionId), ctx);
    }
    return { tx: accepted ? tx : undefined, reopened };
  }

  /** The row's form the charger holds now for its connector, if a pass of the row's plan replaced `was` since it was read. */
  private async newerForm(stationId: string, row: DesiredProfileRow, was: BuiltProfile): Promise<BuiltProfile | undefined> {
    const [r]: { applied: BuiltProfile['profile'] }[] = await this.db.query(
      `SELECT applied FROM charging_profiles WHERE station_id = $1 AND charging_profile_id = $2 AND plan_id IS NOT DISTINCT FROM $3::uuid AND state = 'applied'
          AND applied->>'chargingProfilePurpose' = 'TxDefaultProfile' AND applied IS DISTINCT FROM $4::jsonb`,
      [stationId, row.chargingProfileId, row.planId, JSON.stringify(was.profile)],
    );
    return r && { connectorId: was.connectorId, profile: r.applied };
  }
}
