import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, jest } from '@jest/globals';
import { schemaVersionOf, Subjects, type PlannerStationLimitsPlanned } from '@cpo/contracts';
import { BusNames, JETSTREAM, toHeaders } from '@cpo/messaging';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { SmartCharging16, type Req16 } from '@cpo/ocpp-protocol';
import { eventually } from '@cpo/testing';
import type { JetStreamClient } from '@nats-io/jetstream';
import { DataSource } from 'typeorm';
import { ChargingProfileRepository } from '../src/smart-charging/charging-profile.repository.js';
import { LimitDispatcher } from '../src/smart-charging/limit-dispatcher.js';
import { connectorProfileId, STATION_CAP_PROFILE_ID } from '../src/smart-charging/profile-builder.js';
import { api, type OcppHarness, readOnlyConfiguration, replicaPair, send, startOcpp, uniqueStation } from './harness.js';

export interface ProfileChargerOptions {
  /** Plays firmware that refuses ChargePointMaxProfile. */
  refuseStationCap?: boolean;
  /** Plays firmware that refuses a TxDefaultProfile on connector 0 (guide §3.1), taking it on a connector. */
  refuseConnectorZeroDefault?: boolean;
  /** Plays firmware that refuses any profile of more than one period (a form it dislikes, whatever ChargingScheduleMaxPeriods says). */
  refuseSeveralPeriods?: boolean;
  /**
   * Plays firmware that applies a TxDefaultProfile to transactions started after it only (OCPP 1.6
   * §3.13.1 "default for new transactions"): a running one keeps the defaults it started with, a
   * TxProfile pinned to it applies at once (and is refused without it).
   */
  newTransactionsOnly?: boolean;
  /** Answers GetCompositeSchedule from what it installed (default), or refuses it. */
  composite?: boolean;
  /** Plays firmware validating `multipleOf: 0.1` as `x / 0.1` integral in binary floating point (guide §1.11): refuses 16.2, takes 16. */
  naiveMultipleOf?: boolean;
  prefix?: string;
}

/**
 * A charger for the smart-charging suites: installs what it accepts and reports it with the
 * simulator's engine (32 A hardware maximum); `behaviour.hold` keeps its SetChargingProfile answers
 * back until the promise settles (past the central system's timeout); `behaviour.changed` is called
 * after each profile installed or cleared (to watch what the charger allows at every moment).
 */
export function profileCharger(url: string, keys: Record<string, string>, o: ProfileChargerOptions = {}) {
  const cp = new ChargePoint16({ identity: uniqueStation(o.prefix ?? 'SC'), url, reconnect: false });
  const sets: Req16<'SetChargingProfile'>[] = [];
  const installed: SmartCharging16.InstalledProfile[] = [];
  const behaviour: { hold?: Promise<void>; changed?: () => void } = {};
  const sessions = new Map<number, { transactionId: number; startedAt: Date; defaults: SmartCharging16.InstalledProfile[] }>();
  readOnlyConfiguration(cp, { ChargingScheduleAllowedChargingRateUnit: 'Current', ChargingScheduleMaxPeriods: '24', ...keys });
  cp.handle('SetChargingProfile', async (req) => {
    sets.push(req);
    await behaviour.hold;
    if (o.refuseStationCap && req.csChargingProfiles.chargingProfilePurpose === 'ChargePointMaxProfile') return { status: 'Rejected' };
    if (o.refuseConnectorZeroDefault && req.connectorId === 0 && req.csChargingProfiles.chargingProfilePurpose === 'TxDefaultProfile') return { status: 'Rejected' };
    if (o.refuseSeveralPeriods && req.csChargingProfiles.chargingSchedule.chargingSchedulePeriod.length > 1) return { status: 'Rejected' };
    if (o.naiveMultipleOf && req.csChargingProfiles.chargingSchedule.chargingSchedulePeriod.some((p) => !Number.isInteger(p.limit / 0.1))) return { status: 'Rejected' };
    const tx = req.csChargingProfiles.transactionId;
    if (o.newTransactionsOnly && req.csChargingProfiles.chargingProfilePurpose === 'TxProfile' && (tx === undefined || sessions.get(req.connectorId)?.transactionId !== tx)) return { status: 'Rejected' };
    const i = installed.findIndex((p) => p.profile.chargingProfileId === req.csChargingProfiles.chargingProfileId);
    if (i >= 0) installed.splice(i, 1);
    installed.push({ connectorId: req.connectorId, profile: req.csChargingProfiles as SmartCharging16.ChargingProfile });
    behaviour.changed?.();
    return { status: 'Accepted' };
  });
  cp.handle('ClearChargingProfile', (req) => {
    const i = installed.findIndex((p) => p.profile.chargingProfileId === req.id);
    if (i < 0) return { status: 'Unknown' };
    installed.splice(i, 1);
    behaviour.changed?.();
    return { status: 'Accepted' };
  });
  const composite = (connectorId: number, durationS: number, unit: 'A' | 'W' = 'A') => {
    const session = sessions.get(connectorId);
    // A running transaction sees the defaults it started with under `newTransactionsOnly`.
    const profiles = session ? [...installed.filter((i) => i.profile.chargingProfilePurpose !== 'TxDefaultProfile'), ...session.defaults] : installed;
    const transaction = session && { startedAt: session.startedAt, transactionId: session.transactionId };
    return SmartCharging16.compositeSchedule({ profiles, connectorId, from: new Date(), durationS, unit, electrical: { voltageV: 230, phases: 3, maxCurrentA: 32 }, transaction });
  };
  cp.handle('GetCompositeSchedule', (req) => (o.composite === false ? { status: 'Rejected' } : { status: 'Accepted', ...composite(req.connectorId, req.duration, req.chargingRateUnit) }));
  /** What the installed profiles let the connector draw now, by the charger alone. */
  const limitNow = (connectorId: number) => composite(connectorId, 60).chargingSchedule!.chargingSchedulePeriod[0]!.limit;
  /** The first limit of the last profile sent under `id`: what the charger holds there once it accepted it. */
  const holds = (id: number) => sets.filter((s) => s.csChargingProfiles.chargingProfileId === id).at(-1)?.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]?.limit;
  /** Whether a ChargePointMaxProfile is installed: the charger then holds the connectors' sum to it. */
  const stationCap = () => installed.find((p) => p.profile.chargingProfilePurpose === 'ChargePointMaxProfile')?.profile.chargingSchedule.chargingSchedulePeriod[0]?.limit;
  /** Starts a transaction on the connector (`newTransactionsOnly`: under the defaults installed now); returns its id. */
  const start = async (connectorId: number, idTag: string) => {
    const startedAt = new Date();
    const { transactionId } = await send(cp, 'StartTransaction', { connectorId, idTag, meterStart: 0, timestamp: startedAt.toISOString() });
    if (o.newTransactionsOnly) sessions.set(connectorId, { transactionId, startedAt, defaults: installed.filter((i) => i.profile.chargingProfilePurpose === 'TxDefaultProfile') });
    return transactionId;
  };
  /**
   * A session begins now on the connector (`newTransactionsOnly`: under the defaults installed now),
   * its StartTransaction held back (an offline backlog) until the returned `deliver`, which returns its id.
   */
  const begin = (connectorId: number, idTag: string) => {
    const startedAt = new Date();
    // Id 0 until delivered: no TxProfile can name it before.
    const session = { transactionId: 0, startedAt, defaults: installed.filter((i) => i.profile.chargingProfilePurpose === 'TxDefaultProfile') };
    if (o.newTransactionsOnly) sessions.set(connectorId, session);
    return async () => {
      const { transactionId } = await send(cp, 'StartTransaction', { connectorId, idTag, meterStart: 0, timestamp: startedAt.toISOString() });
      session.transactionId = transactionId;
      return transactionId;
    };
  };
  return { cp, sets, behaviour, limitNow, holds, stationCap, start, begin };
}

/** A profile charger connected and booted, its onboarding read (capabilities known); stopped by the suite through `chargers`. */
export async function onlineProfileCharger(h: OcppHarness, chargers: ChargePoint16[], keys: Record<string, string>, o: ProfileChargerOptions = {}) {
  const c = profileCharger(h.wsUrl, keys, o);
  await bootOnline(h, chargers, c.cp);
  return c;
}

/** `cp` connected and booted, its onboarding read (capabilities known); stopped by the suite through `chargers`. Returns its identity. */
export async function bootOnline(h: OcppHarness, chargers: ChargePoint16[], cp: ChargePoint16, model = 'SC'): Promise<string> {
  chargers.push(cp);
  void cp.start();
  await cp.waitOpen();
  await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: model });
  expect(await eventually(async () => (await api(h, 'GET', `/api/v1/stations/${cp.identity}`)).body?.capabilities?.allowedChargingRateUnits !== undefined)).toBe(true);
  return cp.identity;
}

/** A plan of constant limits in A per connector, begun at `startMs` (ten minutes ago by default). */
export function constantPlan(stationId: string, limits: [number, number][], startMs = Date.now() - 600_000): PlannerStationLimitsPlanned {
  const startSchedule = new Date(startMs).toISOString();
  return {
    planId: randomUUID(), groupId: 'G1', stationId, reason: 'allocation', effectiveFrom: startSchedule,
    connectors: limits.map(([connectorId, limit]) => ({ connectorId, schedule: { startSchedule, chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit }] } })),
  };
}

/** Publishes a plan as the planner's outbox would, with the `occurredAt` it was made at; returns the event id. */
/**
 * A plan's rows stored and dispatched by replica `h` alone (as its consumer would), wherever the
 * station's socket is: `pass` settles when that replica's pass ends.
 */
export async function planOn(h: OcppHarness, stationId: string, limits: [number, number][]): Promise<{ pass: Promise<void> }> {
  const plan = constantPlan(stationId, limits);
  const profiles = h.app.app.get(ChargingProfileRepository);
  await h.app.app.get(DataSource).transaction(async (tx) => {
    for (const limit of plan.connectors) {
      const cap = limit.connectorId === 0;
      await profiles.upsertDesired(tx, {
        stationId,
        chargingProfileId: cap ? STATION_CAP_PROFILE_ID : connectorProfileId(limit.connectorId),
        connectorId: limit.connectorId,
        purpose: cap ? 'ChargePointMaxProfile' : 'TxDefaultProfile',
        stackLevel: 0,
        desired: limit,
        planId: randomUUID(),
        planOccurredAt: new Date().toISOString(),
      });
    }
  });
  return { pass: h.app.app.get(LimitDispatcher).dispatch(stationId, { all: false }) };
}

export async function publishPlanAt(h: OcppHarness, p: PlannerStationLimitsPlanned, occurredAt: Date): Promise<string> {
  const js = h.app.app.get<JetStreamClient>(JETSTREAM);
  const names = h.app.app.get(BusNames);
  const eventId = randomUUID();
  const headers = toHeaders({ eventId, schemaVersion: schemaVersionOf(Subjects.PlannerStationLimitsPlanned), source: 'planner', occurredAt: occurredAt.toISOString() });
  await js.publish(names.subject(Subjects.PlannerStationLimitsPlanned), JSON.stringify(p), { msgID: eventId, headers });
  return eventId;
}

/** A row of `GET /stations/{id}/charging-profiles`, as the review suites read it. */
export type ProfileRow = { chargingProfileId: number; planId: string; state: string };

/**
 * A smart-charging suite's service (no background retry pass, the tests run it; leases on chargers
 * with stack levels), started before its tests and closed after them, and the chargers a test
 * brings online, stopped after it (mocks restored).
 */
export function smartChargingService(): { h: () => OcppHarness; chargers: ChargePoint16[] } {
  let h: OcppHarness | undefined;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp({ OCPP_PROFILE_LEASE_S: '900', OCPP_PROFILE_RETRY_MS: '3600000' });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await h?.close();
  });
  const harness = (): OcppHarness => {
    if (!h) throw new Error("the suite's service is not started (used outside a test?)");
    return h;
  };
  return { h: harness, chargers };
}

/**
 * Two replicas of the service for a describe block (B joins A's database, bus and Redis), with the
 * settings of `smartChargingService`; the chargers a test starts are stopped after it.
 */
export function smartChargingReplicas(): { a: () => OcppHarness; b: () => OcppHarness; chargers: ChargePoint16[] } {
  const { a, b } = replicaPair({ OCPP_PROFILE_LEASE_S: '900', OCPP_PROFILE_RETRY_MS: '3600000' });
  const chargers: ChargePoint16[] = [];
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  return { a, b, chargers };
}

/** A smart-charging review suite (smartChargingService): chargers without GetCompositeSchedule, and the station's profile row of an id. */
export function smartChargingSuite(prefix: string) {
  const { h: harness, chargers } = smartChargingService();
  return {
    h: harness,
    online: (keys: Record<string, string>) => onlineProfileCharger(harness(), chargers, keys, { prefix, composite: false }),
    row: async (stationId: string, id: number) =>
      ((await api(harness(), 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as ProfileRow[]).find((r) => r.chargingProfileId === id),
  };
}
