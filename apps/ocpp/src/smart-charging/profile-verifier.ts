import { Inject, Injectable } from '@nestjs/common';
import { Subjects, type OcppCommandReply } from '@cpo/contracts';
import { OutboxWriter } from '@cpo/messaging';
import { returnedRows, ROOT_LOGGER } from '@cpo/platform';
import type { JsonObject } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import type { StationContext } from '../connection/station-context.js';
import { OcppMetrics } from '../metrics/ocpp-metrics.js';
import type { BuiltProfile } from './profile-builder.js';
import { StationCaller } from './station-caller.js';

export type Verification = 'verified' | 'exceeded' | 'unverifiable';

/** How far above our limit the charger's reported limit may be: rounding to 0.1 A / whole watts. */
const TOLERANCE = { A: 0.05, W: 1 } as const;
/** Long enough for a charger to report its schedule from now, short enough to be cheap to compute. */
const DURATION_S = 300;

/**
 * Checks with GetCompositeSchedule that a charger which accepted a profile really applies it: the
 * limit it reports in effect now must not exceed ours (lower is fine: another cap may be stricter).
 * `Accepted` alone is not proof; some firmware accepts a profile and keeps its old limit. The result
 * is stored with the profile (operator view) and counted. A charger that does not obey is reported
 * on the bus as `ocpp.charging-profile.failed` with status `NotObeyed`, so the planner counts the
 * station as uncontrolled (at its maximum) until a later profile is applied, instead of trusting a
 * limit the charger ignores. It never re-sends the profile: the same firmware would ignore it again.
 */
@Injectable()
export class ProfileVerifier {
  constructor(
    private readonly db: DataSource,
    private readonly caller: StationCaller,
    private readonly metrics: OcppMetrics,
    private readonly outbox: OutboxWriter,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * `chargingProfileId`: the desired profile's id (the row), which may differ from the form sent (an
   * emulated cap); `planId`: the plan it implements, carried by a `NotObeyed` event. `announced`: the
   * planner already heard `NotObeyed` for that plan (a TxProfile's check after the default's): not again.
   */
  async verify(
    stationId: string,
    row: { chargingProfileId: number; planId: string | null },
    built: BuiltProfile,
    o: { ctx?: StationContext; now?: Date; note?: string; announced?: boolean } = {},
  ): Promise<Verification | 'superseded'> {
    return (await this.check(stationId, row, built, o)).outcome;
  }

  /**
   * As `verify`, with the text stored as the row's verification (`record` puts it back), and whether
   * the charger lacks the call (`lacking`: NotImplemented/NotSupported, guide §2.7): no later attempt
   * can do better there.
   */
  async check(
    stationId: string,
    row: { chargingProfileId: number; planId: string | null },
    built: BuiltProfile,
    o: { ctx?: StationContext; now?: Date; note?: string; announced?: boolean } = {},
  ): Promise<{ outcome: Verification | 'superseded'; text: string; lacking: boolean }> {
    const { ctx, now = new Date() } = o;
    const { chargingProfileId } = row;
    const schedule = built.profile.chargingSchedule;
    const unit = schedule.chargingRateUnit;
    const expected = expectedLimit(built, now);
    // A station cap emulated as a connector-0 TxDefaultProfile applies per connector: ask connector 1,
    // which runs under that share, or under its own profile holding at most the share (`underStationShare`).
    // (Where a session runs, the caller passes the form on that connector: `capSessions`.)
    const connectorId = built.connectorId === 0 && built.profile.chargingProfilePurpose !== 'ChargePointMaxProfile' ? 1 : built.connectorId;
    let outcome: Verification = 'unverifiable';
    let reported: number | undefined;
    let detail = '';
    let lacking = false;
    if (expected === undefined) {
      detail = 'the profile sets no limit now';
    } else {
      const reply = await this.call(stationId, { connectorId, duration: DURATION_S, chargingRateUnit: unit }, ctx);
      const payload = reply.status === 'ok' ? reply.payload : undefined;
      const first = (payload?.['chargingSchedule'] as { chargingSchedulePeriod?: { startPeriod: number; limit: number }[]; chargingRateUnit?: string } | undefined);
      reported = first?.chargingSchedulePeriod?.[0]?.limit;
      if (reply.status !== 'ok') {
        detail = `${reply.code}: ${reply.description}`;
        lacking = reply.code === 'NotImplemented' || reply.code === 'NotSupported';
      }
      else if (payload?.['status'] !== 'Accepted') detail = `GetCompositeSchedule ${String(payload?.['status'])}`;
      else if (reported === undefined || (first?.chargingRateUnit !== undefined && first.chargingRateUnit !== unit)) detail = 'no comparable schedule in the answer';
      else outcome = reported <= expected + TOLERANCE[unit] ? 'verified' : 'exceeded';
    }
    this.metrics.profileVerifications.inc({ outcome });
    if (outcome === 'exceeded') {
      this.logger.warn({ stationId, chargingProfileId, expected, reported, unit }, 'charger accepted a charging profile but reports a higher limit in effect');
    }
    // Only onto the plan checked: a newer plan written meanwhile is not verified by this answer (nor
    // reported as not obeyed); its own dispatch is checked in turn.
    const text = [outcome, detail, o.note].filter(Boolean).join(': ').slice(0, 500);
    const recorded = await this.db.transaction(async (tx) => {
      if (!(await this.store(tx, stationId, row, text, outcome === 'unverifiable' ? null : (reported ?? null)))) return false;
      if (outcome !== 'exceeded' || o.announced) return true;
      await this.outbox.enqueue(tx, Subjects.OcppChargingProfileFailed, {
        stationId,
        connectorId: built.connectorId,
        planId: row.planId ?? undefined,
        chargingProfileId: built.profile.chargingProfileId,
        status: 'NotObeyed',
        detail: `accepted, but reports ${reported} ${unit} in effect against a limit of ${expected} ${unit}`,
        failedAt: now.toISOString(),
      });
      return true;
    });
    return { outcome: recorded ? outcome : 'superseded', text, lacking };
  }

  /**
   * Stores an unverifiable check's `text` again over a later one of the same row (an emulated cap
   * checked where several sessions run: one passing must not hide one unanswered). Only onto the plan
   * checked, as `verify`; nothing published.
   */
  async recordUnverifiable(stationId: string, row: { chargingProfileId: number; planId: string | null }, text: string): Promise<void> {
    await this.store(this.db.manager, stationId, row, text.slice(0, 500), null);
  }

  private async store(m: EntityManager, stationId: string, row: { chargingProfileId: number; planId: string | null }, text: string, limit: number | null): Promise<boolean> {
    const updated: unknown = await m.query(
      `UPDATE charging_profiles SET verification = $3, verified_limit = $4, verified_at = now()
       WHERE station_id = $1 AND charging_profile_id = $2 AND plan_id IS NOT DISTINCT FROM $5::uuid RETURNING 1`,
      [stationId, row.chargingProfileId, text, limit, row.planId],
    );
    return returnedRows(updated).length > 0;
  }

  private call(stationId: string, payload: JsonObject, ctx?: StationContext): Promise<OcppCommandReply> {
    return this.caller.call(stationId, 'GetCompositeSchedule', payload, { ctx });
  }
}

/** The limit our (Absolute) profile sets at `now`, or undefined before its start or after its duration. */
export function expectedLimit(built: BuiltProfile, now: Date): number | undefined {
  const schedule = built.profile.chargingSchedule;
  const start = schedule.startSchedule ? Date.parse(schedule.startSchedule) : now.getTime();
  const elapsedS = (now.getTime() - start) / 1000;
  if (elapsedS < 0 || (schedule.duration !== undefined && elapsedS >= schedule.duration)) return undefined;
  let limit: number | undefined;
  for (const p of schedule.chargingSchedulePeriod) if (p.startPeriod <= elapsedS) limit = p.limit;
  return limit;
}
