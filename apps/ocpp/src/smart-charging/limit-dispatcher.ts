import { Inject, Injectable } from '@nestjs/common';
import { Subjects, type OcppCommandReply } from '@cpo/contracts';
import { OutboxWriter } from '@cpo/messaging';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { OcppConfig } from '../config.js';
import type { StationContext } from '../connection/station-context.js';
import { OcppMetrics } from '../metrics/ocpp-metrics.js';
import type { StationCapabilities } from '../stations/capabilities.js';
import { StationRepository } from '../stations/station.repository.js';
import { ChargingProfileRepository, type DesiredProfileRow } from './charging-profile.repository.js';
import { LeaseFallback } from './lease-fallback.js';
import { buildProfile, emulateStationCap, type BuiltProfile } from './profile-builder.js';
import { RunningTransactionCap } from './running-transaction-cap.js';
import { StationCaller } from './station-caller.js';

type FailedStatus = 'Rejected' | 'NotSupported' | 'Timeout' | 'Offline' | 'Error';

/**
 * Makes chargers obey their desired limits: builds each profile for the charger's capabilities,
 * sends decreases before increases, falls back when a form is refused (stack level 1 → 0; a
 * refused ChargePointMaxProfile emulated per connector), leases connector profiles where the
 * charger has stack levels (see `lease-fallback.ts`), and records and publishes every outcome; what
 * it accepted is then checked, and carried into running transactions where the charger needs that
 * (`running-transaction-cap.ts`).
 */
@Injectable()
export class LimitDispatcher {
  constructor(
    private readonly db: DataSource,
    private readonly profiles: ChargingProfileRepository,
    private readonly stations: StationRepository,
    private readonly caller: StationCaller,
    private readonly outbox: OutboxWriter,
    private readonly metrics: OcppMetrics,
    private readonly runningTransactions: RunningTransactionCap,
    private readonly leaseFallback: LeaseFallback,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Sends the station's pending profiles (or all of them after a reconnect/boot, when the charger may
   * have lost them; with `renewLeasesOlderThanS` also the leased ones due for renewal).
   */
  async dispatch(stationId: string, options: { all: boolean; ctx?: StationContext; renewLeasesOlderThanS?: number }): Promise<void> {
    const rows = await this.profiles.forStation(stationId, !options.all, options.renewLeasesOlderThanS);
    if (rows.length === 0) return;
    const caps = (await this.stations.capabilities(stationId)) as StationCapabilities;
    const now = new Date();
    const leaseS = this.leaseFor(caps);
    const built = rows.map((row) => ({ row, built: buildProfile(row.desired, caps, now, this.config.OCPP_NOMINAL_VOLTAGE_V, leaseS) }));
    built.sort((a, b) => change(a.row, a.built) - change(b.row, b.built));
    const accepted: { row: DesiredProfileRow; sent: BuiltProfile; renewal: boolean }[] = [];
    for (const { row, built: profile } of built) {
      const renewal = row.state === 'applied' && !options.all;
      let form = profile;
      if (leaseS > 0 && leased(form) && !(await this.leaseFallback.ensure(stationId, form.connectorId, caps, now, options.ctx))) {
        // Without its fallback underneath, a lapsing lease would leave the connector unlimited: no end then.
        form = buildProfile(row.desired, caps, now, this.config.OCPP_NOMINAL_VOLTAGE_V);
      }
      const sent = await this.send(stationId, row, form, caps, now, { ctx: options.ctx, renewal });
      if (sent) accepted.push({ row, sent, renewal });
    }
    // After every profile is out (a decrease must not wait for a check): what the charger applies now,
    // and the running transactions of chargers that apply a TxDefaultProfile to new ones only.
    for (const { row, sent, renewal } of accepted) {
      await this.runningTransactions
        .afterAccepted(stationId, row, sent, caps, { ctx: options.ctx, renewal })
        .catch((err: unknown) => this.logger.warn({ err, stationId }, 'charging profile verification failed'));
    }
  }

  /** The lease for this charger's connector profiles (s), 0 without one: stack level 0 only, or an emulated station cap a level-0 fallback could override. */
  private leaseFor(caps: StationCapabilities): number {
    const levels = !caps.onlyStackLevelZero && (caps.chargeProfileMaxStackLevel ?? 0) >= 1;
    return levels && !caps.chargePointMaxProfileRefused ? this.config.OCPP_PROFILE_LEASE_S : 0;
  }

  /** Sends one profile (with fallbacks) and records the outcome; returns the form the charger accepted. */
  private async send(
    stationId: string,
    row: DesiredProfileRow,
    built: BuiltProfile,
    caps: StationCapabilities,
    now: Date,
    o: { ctx?: StationContext; renewal: boolean },
  ): Promise<BuiltProfile | undefined> {
    let attempt = built;
    if (built.profile.chargingProfilePurpose === 'ChargePointMaxProfile' && caps.chargePointMaxProfileRefused) {
      attempt = emulateStationCap(built, caps.numberOfConnectors ?? 1);
    }
    let reply = await this.caller.setProfile(stationId, attempt, o.ctx);
    const refused = reply.status === 'ok' && reply.payload['status'] !== 'Accepted';
    if (refused && attempt.profile.stackLevel > 0) {
      await this.stations.learnCapabilities(stationId, { onlyStackLevelZero: true });
      // Level 0 is where a lease's fallback lies: it goes, and the profile has no end.
      if (this.leaseFor(caps) > 0 && leased(attempt)) await this.leaseFallback.clear(stationId, attempt.connectorId, o.ctx);
      attempt = buildProfile(row.desired, { ...caps, onlyStackLevelZero: true }, now, this.config.OCPP_NOMINAL_VOLTAGE_V);
      reply = await this.caller.setProfile(stationId, attempt, o.ctx);
    } else if (refused && attempt.profile.chargingProfilePurpose === 'ChargePointMaxProfile') {
      await this.stations.learnCapabilities(stationId, { chargePointMaxProfileRefused: true });
      attempt = emulateStationCap(built, caps.numberOfConnectors ?? 1);
      reply = await this.caller.setProfile(stationId, attempt, o.ctx);
    }
    if (reply.status === 'error' && reply.code === 'Superseded') return undefined; // a newer profile took its place in the queue
    const recorded = await this.record(stationId, row, attempt, reply, o.renewal);
    return recorded ? attempt : undefined;
  }

  /** True when the charger accepted and the row still held this plan. A renewal accepted is not news: no event. */
  private async record(stationId: string, row: DesiredProfileRow, built: BuiltProfile, reply: OcppCommandReply, renewal: boolean): Promise<boolean> {
    const accepted = reply.status === 'ok' && reply.payload['status'] === 'Accepted';
    const failed: FailedStatus | undefined = accepted ? undefined : failureOf(reply);
    this.metrics.profileDispatches.inc({ outcome: accepted ? (renewal ? 'renewed' : 'applied') : failed! });
    const result = reply.status === 'ok' ? String(reply.payload['status']) : `${reply.code}: ${reply.description}`;
    const at = new Date().toISOString();
    const current = await this.db.transaction(async (tx) => {
      const current = await this.profiles.recordOutcome(tx, stationId, row.chargingProfileId, {
        state: accepted ? 'applied' : failed === 'Rejected' || failed === 'NotSupported' ? 'rejected' : 'failed',
        applied: accepted ? (built.profile as unknown as Record<string, unknown>) : undefined,
        result,
        planId: row.planId,
      });
      if (!current) return false;
      const common = { stationId, connectorId: built.connectorId, planId: row.planId ?? undefined, chargingProfileId: built.profile.chargingProfileId };
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
    return accepted && current;
  }
}

/** A connector profile with an end at stack level 1: a lease (its fallback lies at level 0). */
function leased(b: BuiltProfile): boolean {
  return b.profile.chargingProfilePurpose === 'TxDefaultProfile' && b.profile.stackLevel === 1 && b.profile.chargingSchedule.duration !== undefined && b.connectorId > 0;
}

/** Sort key: decreases first (negative), then unchanged, then increases. */
function change(row: DesiredProfileRow, built: BuiltProfile): number {
  const next = built.profile.chargingSchedule.chargingSchedulePeriod[0]?.limit ?? 0;
  const applied = (row.applied as { chargingSchedule?: { chargingSchedulePeriod?: { limit: number }[] } } | null)?.chargingSchedule?.chargingSchedulePeriod?.[0]?.limit;
  return applied === undefined ? 0 : next - applied;
}

function failureOf(reply: OcppCommandReply): FailedStatus {
  if (reply.status === 'ok') return reply.payload['status'] === 'NotSupported' ? 'NotSupported' : 'Rejected';
  if (reply.code === 'Timeout') return 'Timeout';
  if (reply.code === 'Offline') return 'Offline';
  if (reply.code === 'NotSupported' || reply.code === 'NotImplemented') return 'NotSupported';
  return 'Error';
}
