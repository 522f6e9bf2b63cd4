import { ocppCommandSubject, OcppCommandReplyV1, Subjects, type PlannerStationLimitsPlanned } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { OcppCallError, SmartCharging16, type Req16 } from '@cpo/ocpp-protocol';
import { eventually, testServers } from '@cpo/testing';
import { connect } from '@nats-io/transport-node';
import { StationCaller } from '../src/smart-charging/station-caller.js';
import { api, send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

/** A charger that answers configuration reads and changes, records profiles, and never answers Reset. */
function configurableCharger(url: string, identity = uniqueStation()) {
  const cp = new ChargePoint16({ identity, url, reconnect: false });
  const profiles: Req16<'SetChargingProfile'>[] = [];
  const reads: Req16<'GetConfiguration'>[] = [];
  const config = new Map([
    ['HeartbeatInterval', '300'],
    ['NumberOfConnectors', '2'],
    ['ChargeProfileMaxStackLevel', '0'],
    ['ChargingScheduleAllowedChargingRateUnit', 'Current'],
    ['ChargingScheduleMaxPeriods', '24'],
    ['MeterValuesSampledData', 'Energy.Active.Import.Register'],
    ['MeterValuesSampledDataMaxLength', '3'],
  ]);
  cp.handle('GetConfiguration', (req) => (reads.push(req), {
    configurationKey: [...config].filter(([k]) => !req.key?.length || req.key.includes(k)).map(([key, value]) => ({ key, value, readonly: false })),
  }));
  cp.handle('ChangeConfiguration', (req) => {
    if (!config.has(req.key) && req.key !== 'AuthorizationKey') return { status: 'NotSupported' };
    config.set(req.key, req.value);
    return { status: 'Accepted' };
  });
  // What it applies: accepted profiles, unless `ignoreProfiles` (firmware that accepts and keeps its old limit).
  const installed: SmartCharging16.InstalledProfile[] = [];
  const behaviour: { ignoreProfiles: boolean; holdSchedules?: Promise<void> } = { ignoreProfiles: false };
  cp.handle('SetChargingProfile', (req) => {
    profiles.push(req);
    if (req.csChargingProfiles.chargingProfilePurpose === 'ChargePointMaxProfile') return { status: 'Rejected' };
    if (!behaviour.ignoreProfiles) {
      const i = installed.findIndex((p) => p.profile.chargingProfileId === req.csChargingProfiles.chargingProfileId);
      if (i >= 0) installed.splice(i, 1);
      installed.push({ connectorId: req.connectorId, profile: req.csChargingProfiles as SmartCharging16.ChargingProfile });
    }
    return { status: 'Accepted' };
  });
  // The same engine as the simulator: the limit in effect over the next `duration` seconds (32 A hardware maximum).
  cp.handle('GetCompositeSchedule', async (req) => {
    await behaviour.holdSchedules;
    return {
      status: 'Accepted' as const,
      ...SmartCharging16.compositeSchedule({
        profiles: installed,
        connectorId: req.connectorId,
        from: new Date(),
        durationS: req.duration,
        unit: req.chargingRateUnit ?? 'A',
        electrical: { voltageV: 230, phases: 3, maxCurrentA: 32 },
      }),
    };
  });
  cp.handle('Reset', () => new Promise(() => undefined));
  cp.handle('UnlockConnector', () => {
    throw new OcppCallError('GenericError', 'lock motor jammed', {});
  });
  return { cp, profiles, config, reads, behaviour };
}

describe('OCPP operator commands, grid limits and two replicas', () => {
  let a: OcppHarness;
  let b: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    a = await startOcpp({ OCPP_CALL_TIMEOUT_MS: '700' });
    b = await startOcpp({ OCPP_CALL_TIMEOUT_MS: '700' }, a);
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  async function online(h: OcppHarness) {
    const charger = configurableCharger(h.wsUrl);
    chargers.push(charger.cp);
    void charger.cp.start();
    await charger.cp.waitOpen();
    await send(charger.cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' });
    return charger;
  }

  it('reads the configuration at onboarding, asks for the measurands it needs, keeps the capabilities per station', async () => {
    const { cp, config, reads } = await online(a);
    expect(
      await eventually(async () => {
        const res = await api(a, 'GET', `/api/v1/stations/${cp.identity}`);
        return res.body?.capabilities?.numberOfConnectors === 2;
      }),
    ).toBe(true);
    const { body } = await api(a, 'GET', `/api/v1/stations/${cp.identity}`);
    expect(body.capabilities).toMatchObject({ numberOfConnectors: 2, chargeProfileMaxStackLevel: 0, allowedChargingRateUnits: ['A'], chargingScheduleMaxPeriods: 24 });
    expect(body.connection).toMatchObject({ replicaId: 'replica-a' });
    expect(await eventually(() => config.get('MeterValuesSampledData') === 'Energy.Active.Import.Register,Power.Active.Import,Current.Import')).toBe(true);
    // A reboot with the same details needs no second onboarding; new firmware does.
    const readsBefore = reads.length;
    await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' });
    await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1', firmwareVersion: '2.0' });
    await eventually(() => reads.length === readsBefore + 1);
    expect(reads.length - readsBefore).toBe(1);
    // Unknown ids: 404, not a silent success.
    expect((await api(a, 'DELETE', `/api/v1/stations/${uniqueStation('NONE')}`)).status).toBe(404);
    expect((await api(a, 'DELETE', '/api/v1/id-tags/NO-SUCH-TAG')).status).toBe(404);
  });

  it('returns the answer, or a typed error: CallError, timeout, offline, invalid input', async () => {
    const { cp, config } = await online(a);
    const base = `/api/v1/stations/${cp.identity}/commands`;
    const changed = await api(a, 'POST', `${base}/ChangeConfiguration`, { key: 'HeartbeatInterval', value: '120' });
    expect(changed).toEqual({ status: 200, body: { status: 'ok', payload: { status: 'Accepted' } } });
    expect(config.get('HeartbeatInterval')).toBe('120');
    expect((await api(a, 'POST', `${base}/ChangeConfiguration`, { key: 'Nope', value: '1' })).body.payload).toEqual({ status: 'NotSupported' });
    const jammed = await api(a, 'POST', `${base}/UnlockConnector`, { connectorId: 1 });
    expect(jammed).toMatchObject({ status: 502, body: { status: 'error', code: 'GenericError', description: 'lock motor jammed' } });
    expect(await api(a, 'POST', `${base}/Reset`, { type: 'Soft' })).toMatchObject({ status: 504, body: { code: 'Timeout' } });
    const invalid = await api(a, 'POST', `${base}/ChangeAvailability`, { connectorId: 1, type: 'Sometimes' });
    expect(invalid).toMatchObject({ status: 400, body: { code: 'InvalidRequest' } });
    expect(await api(a, 'POST', `${base}/NotAnAction`, {})).toMatchObject({ status: 400 });
    expect(await api(a, 'POST', `/api/v1/stations/${uniqueStation('GONE')}/commands/ClearCache`, {})).toMatchObject({ status: 404, body: { code: 'UnknownStation' } });
  });

  it('reaches a charger on replica A through replica B, through the bus, and in bulk', async () => {
    const onA = await online(a);
    const onB = await online(b);
    const viaB = await api(b, 'POST', `/api/v1/stations/${onA.cp.identity}/commands/GetConfiguration`, { key: ['NumberOfConnectors'] });
    expect(viaB.body).toEqual({ status: 'ok', payload: { configurationKey: [{ key: 'NumberOfConnectors', value: '2', readonly: false }] } });

    const nc = await connect({ servers: testServers.nats });
    try {
      const reply = await nc.request(`${a.app.prefix}.${ocppCommandSubject(onB.cp.identity)}`, JSON.stringify({ action: 'ChangeConfiguration', payload: { key: 'HeartbeatInterval', value: '60' } }), { timeout: 5000 });
      expect(OcppCommandReplyV1.parse(JSON.parse(new TextDecoder().decode(reply.data)))).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
    } finally {
      await nc.close();
    }

    const gone = uniqueStation('GONE');
    const bulk = await api(a, 'POST', '/api/v1/commands/bulk', { stationIds: [onA.cp.identity, onB.cp.identity, gone], action: 'ClearCache', payload: {} });
    expect(bulk.status).toBe(200);
    expect(bulk.body.results).toEqual([
      { stationId: onA.cp.identity, status: 'error', code: 'NotSupported', description: expect.any(String), details: expect.anything() },
      { stationId: onB.cp.identity, status: 'error', code: 'NotSupported', description: expect.any(String), details: expect.anything() },
      { stationId: gone, status: 'error', code: 'UnknownStation', description: expect.any(String) },
    ]);
  });

  it("smart charging on B installs a grid limit on a charger held by A (its forward is not an outside command); an operator's through B is refused at B", async () => {
    const onA = await online(a);
    const gridLimit = {
      chargingProfileId: 101, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile' as const, chargingProfileKind: 'Relative' as const,
      chargingSchedule: { chargingRateUnit: 'A' as const, chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
    };
    const viaBus = await b.app.app.get(StationCaller).setProfile(onA.cp.identity, { connectorId: 1, profile: gridLimit });
    expect(viaBus).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
    expect(onA.profiles.map((p) => p.csChargingProfiles.chargingProfileId)).toEqual([101]);
    const operator = await api(b, 'POST', `/api/v1/stations/${onA.cp.identity}/commands/SetChargingProfile`, { connectorId: 1, csChargingProfiles: { ...gridLimit, chargingProfileId: 1 } });
    expect(operator).toMatchObject({ status: 409, body: { code: 'Conflict', details: { chargingProfileId: 1 } } });
    expect(onA.profiles).toHaveLength(1);
  });

  it('a charger that moves to the other replica keeps working; the old socket is closed', async () => {
    const first = await online(a);
    const moved = new ChargePoint16({ identity: first.cp.identity, url: b.wsUrl, reconnect: false });
    moved.handle('ClearCache', () => ({ status: 'Accepted' }));
    chargers.push(moved);
    void moved.start();
    await moved.waitOpen();
    expect(await eventually(async () => (await api(a, 'GET', `/api/v1/stations/${first.cp.identity}`)).body.connection?.replicaId === 'replica-b')).toBe(true);
    const viaA = await api(a, 'POST', `/api/v1/stations/${first.cp.identity}/commands/ClearCache`, {});
    expect(viaA.body).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
    // The old socket is closed; its close records no `disconnected`: the station is connected, on B.
    expect(await eventually(() => !first.cp.isOpen)).toBe(true);
  });

  it('turns planned limits into profiles, falls back when the station cap is refused, and reports the outcome', async () => {
    const { cp, profiles } = await online(a);
    await eventually(async () => (await api(a, 'GET', `/api/v1/stations/${cp.identity}`)).body?.capabilities?.numberOfConnectors === 2);
    const planId = crypto.randomUUID();
    const start = new Date(Date.now() - 3600_000).toISOString();
    await publishPlan(a, {
      planId,
      groupId: 'G1',
      stationId: cp.identity,
      reason: 'day_ahead',
      effectiveFrom: start,
      connectors: [
        { connectorId: 0, schedule: { startSchedule: start, chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit: 40 }] } },
        { connectorId: 1, schedule: { startSchedule: start, chargingRateUnit: 'W', periods: [{ startPeriodS: 0, limit: 11_040 }] } },
      ],
    });
    expect(await eventually(() => a.events.of(Subjects.OcppChargingProfileApplied, cp.identity).length === 2)).toBe(true);
    const sent = profiles.map((p) => [p.connectorId, p.csChargingProfiles.chargingProfileId, p.csChargingProfiles.chargingProfilePurpose, p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]!.limit]);
    // ChargePointMaxProfile refused → emulated as connector-0 TxDefaultProfile, 40 A split over 2 connectors; W converted to A (the charger only takes Current).
    expect(sent).toEqual(expect.arrayContaining([[0, 1, 'ChargePointMaxProfile', 40], [0, 99, 'TxDefaultProfile', 20], [1, 101, 'TxDefaultProfile', 16]]));
    for (const p of profiles) expect(Date.parse(p.csChargingProfiles.chargingSchedule.startSchedule!)).toBeLessThan(Date.now());
    const applied = a.events.of(Subjects.OcppChargingProfileApplied, cp.identity);
    expect(applied.every((e) => e['planId'] === planId)).toBe(true);
    const view = await api(a, 'GET', `/api/v1/stations/${cp.identity}/charging-profiles`);
    expect(view.body.map((r: { chargingProfileId: number; state: string }) => [r.chargingProfileId, r.state])).toEqual([[1, 'applied'], [101, 'applied']]);
    // Verified with GetCompositeSchedule: connector 1 runs at 16 A, within both the 20 A share and its own 16 A.
    const verified = async () => (await api(a, 'GET', `/api/v1/stations/${cp.identity}/charging-profiles`)).body as { chargingProfileId: number; verification: string | null; verifiedLimit: number | null }[];
    expect(await eventually(async () => (await verified()).every((r) => r.verification !== null))).toBe(true);
    expect((await verified()).map((r) => [r.chargingProfileId, r.verification, r.verifiedLimit])).toEqual([[1, 'verified', 16], [101, 'verified', 16]]);

    // Reconnect: the desired profiles are sent again.
    const before = profiles.length;
    cp.dropConnection();
    const again = configurableCharger(a.wsUrl, cp.identity);
    chargers.push(again.cp);
    void again.cp.start();
    await again.cp.waitOpen();
    expect(await eventually(() => again.profiles.length >= 2)).toBe(true);
    expect(before).toBeGreaterThanOrEqual(3);
  });

  it('a charger that accepts a profile but keeps a higher limit is caught by GetCompositeSchedule', async () => {
    const { cp, behaviour } = await online(a);
    behaviour.ignoreProfiles = true;
    await eventually(async () => (await api(a, 'GET', `/api/v1/stations/${cp.identity}`)).body?.capabilities?.numberOfConnectors === 2);
    const start = new Date(Date.now() - 60_000).toISOString();
    const planId = crypto.randomUUID();
    await publishPlan(a, {
      planId, groupId: 'G1', stationId: cp.identity, reason: 'emergency', effectiveFrom: start,
      connectors: [{ connectorId: 2, schedule: { startSchedule: start, chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit: 10 }] } }],
    });
    const row = async () => ((await api(a, 'GET', `/api/v1/stations/${cp.identity}/charging-profiles`)).body as { chargingProfileId: number; state: string; verification: string | null; verifiedLimit: number | null }[])[0];
    expect(await eventually(async () => (await row())?.verification != null)).toBe(true);
    // Accepted (so applied and published as such), yet it reports its 32 A hardware maximum in effect.
    expect(await row()).toMatchObject({ chargingProfileId: 102, state: 'applied', verification: 'exceeded', verifiedLimit: 32 });
    // ... and told the planner it does not obey, so the station counts as uncontrolled.
    expect(await eventually(() => a.events.of(Subjects.OcppChargingProfileFailed, cp.identity).length === 1)).toBe(true);
    expect(a.events.of(Subjects.OcppChargingProfileFailed, cp.identity)[0]).toMatchObject({
      connectorId: 2, planId, chargingProfileId: 102, status: 'NotObeyed', detail: 'accepted, but reports 32 A in effect against a limit of 10 A',
    });
    // Either replica may have taken the plan from the bus (and verified through the other's socket).
    const metrics = (await Promise.all([a, b].map((h) => fetch(`${h.app.baseUrl}/metrics`).then((r) => r.text())))).join('\n');
    expect(metrics).toMatch(/ocpp_charging_profile_verifications_total\{[^}]*outcome="exceeded"[^}]*\} [1-9]/);
  });

  it("shows a new limit unchecked until its own check answers, never with the previous plan's result", async () => {
    const { cp, behaviour } = await online(a);
    await eventually(async () => (await api(a, 'GET', `/api/v1/stations/${cp.identity}`)).body?.capabilities?.numberOfConnectors === 2);
    const start = new Date(Date.now() - 60_000).toISOString();
    const plan = (amps: number): PlannerStationLimitsPlanned => ({
      planId: crypto.randomUUID(), groupId: 'G1', stationId: cp.identity, reason: 'emergency', effectiveFrom: start,
      connectors: [{ connectorId: 2, schedule: { startSchedule: start, chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit: amps }] } }],
    });
    type Row = { chargingProfileId: number; planId: string; state: string; verification: string | null; verifiedLimit: number | null };
    const row = async () => ((await api(a, 'GET', `/api/v1/stations/${cp.identity}/charging-profiles`)).body as Row[]).find((r) => r.chargingProfileId === 102);
    /** Holds the charger's GetCompositeSchedule answers from now until the returned function is called. */
    const holdChecks = () => {
      let release!: () => void;
      behaviour.holdSchedules = new Promise((r) => (release = r));
      return release;
    };
    const appliedPlan = async (p: PlannerStationLimitsPlanned) => {
      await publishPlan(a, p);
      expect(await eventually(async () => (await row())?.planId === p.planId && (await row())?.state === 'applied')).toBe(true);
    };
    const first = plan(16);
    await publishPlan(a, first);
    expect(await eventually(async () => (await row())?.verification === 'verified')).toBe(true);
    expect(await row()).toMatchObject({ planId: first.planId, verifiedLimit: 16 });
    // The charger accepts the next limit but takes its time reporting its schedule.
    const releaseSecond = holdChecks();
    const second = plan(10);
    await appliedPlan(second);
    expect(await row()).toMatchObject({ planId: second.planId, verification: null, verifiedLimit: null });
    releaseSecond();
    expect(await eventually(async () => (await row())?.verification === 'verified')).toBe(true);
    expect(await row()).toMatchObject({ planId: second.planId, verifiedLimit: 10 });

    // A check that answers after a newer plan was written does not count for it: the fourth plan's
    // profile waits behind the third's held check (one call at a time per charger), its row already holds it.
    const releaseThird = holdChecks();
    await appliedPlan(plan(12));
    const fourth = plan(20);
    await publishPlan(a, fourth);
    expect(await eventually(async () => (await row())?.planId === fourth.planId)).toBe(true);
    const releaseFourth = holdChecks();
    releaseThird();
    // The third plan's check answers now (12 A in effect), then the fourth profile goes out and its check waits.
    expect(await eventually(async () => (await row())?.state === 'applied')).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(await row()).toMatchObject({ planId: fourth.planId, verification: null, verifiedLimit: null });
    releaseFourth();
    expect(await eventually(async () => (await row())?.verification === 'verified')).toBe(true);
    expect(await row()).toMatchObject({ planId: fourth.planId, verifiedLimit: 20 });
  });

  it('a plan for an offline station is reported Offline, then delivered when the station connects', async () => {
    const id = uniqueStation('LATE');
    await api(a, 'PUT', `/api/v1/stations/${id}`, {});
    const planId = crypto.randomUUID();
    const start = new Date().toISOString();
    await publishPlan(a, {
      planId, groupId: 'G1', stationId: id, reason: 'emergency', effectiveFrom: start,
      connectors: [{ connectorId: 1, schedule: { startSchedule: start, chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit: 10 }] } }],
    });
    expect(await eventually(() => a.events.of(Subjects.OcppChargingProfileFailed, id).some((e) => e['status'] === 'Offline' && e['planId'] === planId))).toBe(true);
    const late = configurableCharger(b.wsUrl, id);
    chargers.push(late.cp);
    void late.cp.start();
    await late.cp.waitOpen();
    await send(late.cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' });
    expect(await eventually(() => late.profiles.some((p) => p.csChargingProfiles.chargingProfileId === 101))).toBe(true);
    expect(await eventually(() => a.events.of(Subjects.OcppChargingProfileApplied, id).some((e) => e['planId'] === planId))).toBe(true);
  });
});

/** Publishes a plan as the planner does (typed, validated, with the event headers). */
async function publishPlan(h: OcppHarness, plan: PlannerStationLimitsPlanned): Promise<void> {
  await h.app.app.get(EventPublisher).publish(Subjects.PlannerStationLimitsPlanned, plan);
}
