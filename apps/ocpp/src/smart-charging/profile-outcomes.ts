import { Inject, Injectable } from '@nestjs/common';
import { Subjects, type OcppCommandReply } from '@cpo/contracts';
import { OutboxWriter } from '@cpo/messaging';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { OcppMetrics } from '../metrics/ocpp-metrics.js';
import { ChargingProfileRepository, type DesiredProfileRow } from './charging-profile.repository.js';
import type { BuiltProfile } from './profile-builder.js';

type FailedStatus = 'Rejected' | 'NotSupported' | 'Timeout' | 'Offline' | 'Error';

/**
 * The outcome of each SetChargingProfile the dispatcher sends (`LimitDispatcher`): the row's state
 * and the form the charger holds, the metrics, and `ocpp.charging-profile.applied | failed` in the
 * same transaction, once per plan (not after another pass's `applied`, nor for a renewal accepted
 * or left unanswered while its lease holds).
 */
@Injectable()
export class ProfileOutcomes {
  constructor(
    private readonly db: DataSource,
    private readonly profiles: ChargingProfileRepository,
    private readonly outbox: OutboxWriter,
    private readonly metrics: OcppMetrics,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Records the answer to one SetChargingProfile of the row and publishes it. `recorded`: the charger
   * accepted, the row still held this plan and no other pass had it accepted since we sent. `stale`:
   * the charger accepted a superseded plan's profile and the row is pending again (its current plan
   * must follow at once). A renewal accepted is not news: no event.
   */
  async record(stationId: string, row: DesiredProfileRow, built: BuiltProfile, reply: OcppCommandReply, renewal: boolean, sentAt: Date, late = false): Promise<{ recorded: boolean; stale: boolean }> {
    const accepted = reply.status === 'ok' && reply.payload['status'] === 'Accepted';
    const failed: FailedStatus | undefined = accepted ? undefined : failureOf(reply);
    // A late acceptance is the same dispatch, counted already (as its timeout).
    if (!late) this.metrics.profileDispatches.inc({ outcome: accepted ? (renewal ? 'renewed' : 'applied') : failed! });
    const result = reply.status === 'ok' ? String(reply.payload['status']) : `${reply.code}: ${reply.description}`;
    if (renewal && (failed === 'Timeout' || failed === 'Offline' || failed === 'Error') && (leaseEnd(row) ?? 0) > Date.now()) {
      // Unanswered, the renewal changed nothing on the charger: the lease it accepted before holds
      // until its end and the next renewal pass tries again. A `failed` event now would have the
      // planner treat a limited station as uncontrolled; once the lease has run out it is news.
      await this.profiles.recordRenewalMiss(stationId, row.chargingProfileId, result, row.planId);
      this.logger.warn({ stationId, chargingProfileId: built.profile.chargingProfileId, result, leaseEnds: new Date(leaseEnd(row)!).toISOString() }, 'lease renewal not answered; the current lease holds');
      return { recorded: false, stale: false };
    }
    const at = new Date().toISOString();
    let stale = false;
    const current = await this.db.transaction(async (tx) => {
      // Another pass had this plan accepted since we sent ours (the consumer's on one replica and the
      // retry pass on the holder, both finding the row pending): the same news, checked and followed
      // up by that pass. A second `applied` would count for the planner as the answer of another
      // connector of the plan, still unanswered (it releases increases once a decrease is answered).
      const duplicate = accepted && !renewal && (await this.profiles.appliedSince(tx, stationId, row.chargingProfileId, row.planId, sentAt));
      const current = await this.profiles.recordOutcome(tx, stationId, row.chargingProfileId, {
        state: accepted ? 'applied' : failed === 'Rejected' || failed === 'NotSupported' ? 'rejected' : 'failed',
        applied: accepted ? (built.profile as unknown as Record<string, unknown>) : undefined,
        result,
        planId: row.planId,
        // A failure is about this CALL only: if another pass (the replica holding the charger's new
        // socket, while ours went to the old one and timed out) had the same plan accepted since we
        // sent, the charger holds it; recording the failure would publish `failed` after `applied`.
        unlessAppliedSince: accepted ? undefined : sentAt,
      });
      if (!current) {
        if (accepted) stale = await this.profiles.reopenAfterStaleAccept(tx, stationId, row.chargingProfileId, row.planId, built.profile as unknown as Record<string, unknown>, result);
        return false;
      }
      if (duplicate) return false;
      // A cap carried by the connectors' shares is answered as the cap (the plan's connector 0), not as one of them.
      const viaShares = row.connectorId === 0 && built.connectorId > 0;
      const common = {
        stationId,
        connectorId: viaShares ? 0 : built.connectorId,
        planId: row.planId ?? undefined,
        chargingProfileId: viaShares ? row.chargingProfileId : built.profile.chargingProfileId,
      };
      if (accepted && renewal) return true;
      if (accepted) {
        await this.outbox.enqueue(tx, Subjects.OcppChargingProfileApplied, {
          ...common,
          purpose: built.profile.chargingProfilePurpose,
          stackLevel: built.profile.stackLevel,
          appliedAt: at,
        });
      } else {
        await this.outbox.enqueue(tx, Subjects.OcppChargingProfileFailed, { ...common, status: failed!, detail: result || undefined, failedAt: at });
      }
      return true;
    });
    if (!accepted) this.logger.warn({ stationId, chargingProfileId: built.profile.chargingProfileId, result }, 'charging profile not applied');
    if (stale) this.logger.warn({ stationId, chargingProfileId: built.profile.chargingProfileId, planId: row.planId }, 'charger accepted a profile of a superseded plan; the current plan is sent again');
    return { recorded: accepted && current, stale };
  }

  /**
   * The charger accepted `built` after the timeout its send recorded (as `failed`, or a renewal's
   * miss): recorded and published as a timely acceptance sent at `sentAt` would have been, so only
   * while the row still holds the plan sent (`recordOutcome`), once per plan (`appliedSince`: not
   * after another pass's `applied`). A superseded plan's is what the charger holds until the newer
   * one's answer, the newer plan neither applied nor published (`reopenAfterStaleAccept`). Never
   * throws; returns whether it was recorded applied.
   */
  async recordLate(stationId: string, row: DesiredProfileRow, built: BuiltProfile, renewal: boolean, sentAt: Date): Promise<boolean> {
    const fields = { stationId, chargingProfileId: built.profile.chargingProfileId, connectorId: built.connectorId, planId: row.planId };
    try {
      const { recorded, stale } = await this.record(stationId, row, built, { status: 'ok', payload: { status: 'Accepted' } }, renewal, sentAt, true);
      if (recorded) this.logger.info(fields, 'charging profile accepted after the timeout; recorded as applied');
      else if (!stale) this.logger.info(fields, 'charging profile accepted after the timeout; its plan is no longer the current one, not recorded as applied');
      return recorded;
    } catch (err) {
      this.logger.error({ ...fields, err }, 'could not record a charging profile accepted after the timeout');
      return false;
    }
  }
}

/** A connector profile with an end at stack level 1: a lease (its fallback lies at level 0). */
export function leased(b: BuiltProfile): boolean {
  return b.profile.chargingProfilePurpose === 'TxDefaultProfile' && b.profile.stackLevel === 1 && b.profile.chargingSchedule.duration !== undefined && b.connectorId > 0;
}

/** The row's profile as the charger last accepted it was a lease. */
export function appliedLease(row: DesiredProfileRow): boolean {
  return row.applied !== null && leased({ connectorId: row.connectorId, profile: row.applied as unknown as BuiltProfile['profile'] });
}

/** When the lease the charger last accepted for the row ends (ms since the epoch), or undefined for no lease. */
export function leaseEnd(row: DesiredProfileRow): number | undefined {
  if (!appliedLease(row)) return undefined;
  const schedule = (row.applied as unknown as BuiltProfile['profile']).chargingSchedule;
  return Date.parse(schedule.startSchedule ?? '') + schedule.duration! * 1000;
}

/** How an unaccepted SetChargingProfile is published (`ocpp.charging-profile.failed` status, metrics). */
export function failureOf(reply: OcppCommandReply): FailedStatus {
  if (reply.status === 'ok') return reply.payload['status'] === 'NotSupported' ? 'NotSupported' : 'Rejected';
  // QueueTimeout: still queued behind earlier calls at its timeout (never sent); ReplicaTimeout: the replica holding the socket silent: no answer in time, as far as the plan goes.
  if (reply.code === 'Timeout' || reply.code === 'QueueTimeout' || reply.code === 'ReplicaTimeout') return 'Timeout';
  // Offline after the CALL went out (the socket closed before the answer): the charger may hold the
  // profile, an unknown outcome like a timeout. `Offline` tells the planner it never reached the charger.
  if (reply.code === 'Offline') return reply.mayHaveActed === true ? 'Timeout' : 'Offline';
  if (reply.code === 'NotSupported' || reply.code === 'NotImplemented') return 'NotSupported';
  return 'Error';
}
