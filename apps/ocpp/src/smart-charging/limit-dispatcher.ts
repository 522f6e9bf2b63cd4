import { Inject, Injectable } from '@nestjs/common';
import { Subjects, type OcppCommandReply } from '@cpo/contracts';
import { OutboxWriter } from '@cpo/messaging';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import type { JsonObject } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { replyOf } from '../commands/command-executor.js';
import type { OcppConfig } from '../config.js';
import { CommandService } from '../commands/command.service.js';
import { SessionRegistry } from '../connection/session-registry.js';
import type { StationContext } from '../connection/station-context.js';
import { OcppMetrics } from '../metrics/ocpp-metrics.js';
import type { StationCapabilities } from '../stations/capabilities.js';
import { StationRepository } from '../stations/station.repository.js';
import { ChargingProfileRepository, type DesiredProfileRow } from './charging-profile.repository.js';
import { buildProfile, emulateStationCap, type BuiltProfile } from './profile-builder.js';
import { ProfileVerifier } from './profile-verifier.js';

type FailedStatus = 'Rejected' | 'NotSupported' | 'Timeout' | 'Offline' | 'Error';

/**
 * Makes chargers obey their desired limits: builds each profile for the charger's capabilities,
 * sends decreases before increases, falls back when a form is refused (stack level 1 → 0; a
 * refused ChargePointMaxProfile emulated per connector), and records and publishes every outcome.
 */
@Injectable()
export class LimitDispatcher {
  constructor(
    private readonly db: DataSource,
    private readonly profiles: ChargingProfileRepository,
    private readonly stations: StationRepository,
    private readonly registry: SessionRegistry,
    private readonly commands: CommandService,
    private readonly outbox: OutboxWriter,
    private readonly metrics: OcppMetrics,
    private readonly verifier: ProfileVerifier,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** Sends the station's pending profiles (or all of them after a reconnect/boot, when the charger may have lost them). */
  async dispatch(stationId: string, options: { all: boolean; ctx?: StationContext }): Promise<void> {
    const rows = await this.profiles.forStation(stationId, !options.all);
    if (rows.length === 0) return;
    const caps = (await this.stations.capabilities(stationId)) as StationCapabilities;
    const now = new Date();
    const built = rows.map((row) => ({ row, built: buildProfile(row.desired, caps, now, this.config.OCPP_NOMINAL_VOLTAGE_V) }));
    built.sort((a, b) => change(a.row, a.built) - change(b.row, b.built));
    const accepted: { row: DesiredProfileRow; sent: BuiltProfile }[] = [];
    for (const { row, built: profile } of built) {
      const sent = await this.send(stationId, row, profile, caps, options.ctx);
      if (sent) accepted.push({ row, sent });
    }
    // After every profile is out (a decrease must not wait for a check): what the charger applies now.
    for (const { row, sent } of accepted) {
      await this.verifier.verify(stationId, row, sent, options.ctx).catch((err: unknown) => this.logger.warn({ err, stationId }, 'charging profile verification failed'));
    }
  }

  /** Sends one profile (with fallbacks) and records the outcome; returns the form the charger accepted. */
  private async send(stationId: string, row: DesiredProfileRow, built: BuiltProfile, caps: StationCapabilities, ctx?: StationContext): Promise<BuiltProfile | undefined> {
    let attempt = built;
    if (built.profile.chargingProfilePurpose === 'ChargePointMaxProfile' && caps.chargePointMaxProfileRefused) {
      attempt = emulateStationCap(built, caps.numberOfConnectors ?? 1);
    }
    let reply = await this.call(stationId, attempt, ctx);
    const refused = reply.status === 'ok' && reply.payload['status'] !== 'Accepted';
    if (refused && attempt.profile.stackLevel > 0) {
      await this.stations.learnCapabilities(stationId, { onlyStackLevelZero: true });
      attempt = { ...attempt, profile: { ...attempt.profile, stackLevel: 0 } };
      reply = await this.call(stationId, attempt, ctx);
    } else if (refused && attempt.profile.chargingProfilePurpose === 'ChargePointMaxProfile') {
      await this.stations.learnCapabilities(stationId, { chargePointMaxProfileRefused: true });
      attempt = emulateStationCap(built, caps.numberOfConnectors ?? 1);
      reply = await this.call(stationId, attempt, ctx);
    }
    if (reply.status === 'error' && reply.code === 'Superseded') return undefined; // a newer profile took its place in the queue
    const recorded = await this.record(stationId, row, attempt, reply);
    return recorded ? attempt : undefined;
  }

  private async call(stationId: string, built: BuiltProfile, ctx?: StationContext): Promise<OcppCommandReply> {
    const payload = { connectorId: built.connectorId, csChargingProfiles: built.profile } as unknown as JsonObject;
    const local = ctx ?? this.registry.get(stationId);
    if (local) {
      // Latest wins: a newer profile under the same id replaces one still queued for this charger.
      const outcome = await local.call('SetChargingProfile', payload, { coalesceKey: `profile:${built.profile.chargingProfileId}` });
      return replyOf(outcome, 'SetChargingProfile');
    }
    return this.commands.send(stationId, { action: 'SetChargingProfile', payload });
  }

  /** True when the charger accepted and the row still held this plan. */
  private async record(stationId: string, row: DesiredProfileRow, built: BuiltProfile, reply: OcppCommandReply): Promise<boolean> {
    const accepted = reply.status === 'ok' && reply.payload['status'] === 'Accepted';
    const failed: FailedStatus | undefined = accepted ? undefined : failureOf(reply);
    this.metrics.profileDispatches.inc({ outcome: accepted ? 'applied' : failed! });
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
