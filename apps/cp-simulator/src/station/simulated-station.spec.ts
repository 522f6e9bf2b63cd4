import { acceptingAnswers, TestCsms } from '@cpo/ocpp-chargepoint';
import { SimulatedStation } from './simulated-station.js';
import { defaultStation } from './station-config.js';

const T0 = Date.parse('2026-11-23T08:00:00Z');

const sample = (frame: unknown[], measurand: string) =>
  Number(((frame[3] as { meterValue: { sampledValue: { measurand: string; value: string }[] }[] }).meterValue[0].sampledValue.find((v) => v.measurand === measurand))!.value);

describe('simulated station against a test CSMS', () => {
  let csms: TestCsms;
  let sim: SimulatedStation;
  let t = T0;
  beforeEach(async () => {
    t = T0;
    csms = new TestCsms();
    csms.onCall = acceptingAnswers({ transactionId: 42 });
    const url = await csms.start();
    sim = new SimulatedStation(defaultStation('SIM-1', { connectors: 2, maxCurrentA: 32, phases: 3, voltageV: 230 }), {
      url,
      reconnect: false,
      now: () => new Date(t),
      meterIntervalS: 3600,
    });
    const accepted = new Promise((r) => sim.once('registration', r));
    void sim.start();
    await accepted;
    await csms.next((f) => f[2] === 'StatusNotification' && (f[3] as { connectorId: number }).connectorId === 2);
  });
  afterEach(async () => {
    await sim.stop();
    await csms.stop();
  });

  it('boots, then reports the status of the station and every connector', () => {
    const calls = csms.received.filter((f) => f[0] === 2).map((f) => f[2]);
    expect(calls[0]).toBe('BootNotification');
    const statuses = csms.received.filter((f) => f[2] === 'StatusNotification').map((f) => (f[3] as { connectorId: number }).connectorId);
    expect(statuses).toEqual([0, 1, 2]);
  });

  it('charges with power that follows the installed profile, and meters the energy it delivered', async () => {
    await sim.startSession(1, 'TAG-1', 50_000);
    expect(sim.connectors[1]).toMatchObject({ status: 'Charging', powerW: 32 * 230 * 3 });

    const limit = await csms.callCharger('p1', 'SetChargingProfile', {
      connectorId: 1,
      csChargingProfiles: {
        chargingProfileId: 7, stackLevel: 1, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Absolute', transactionId: 42,
        chargingSchedule: { startSchedule: new Date(T0 - 60_000).toISOString(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16.2 }] },
      },
    });
    expect(limit).toEqual([3, 'p1', { status: 'Accepted' }]);
    await new Promise((r) => setTimeout(r, 20));
    expect(sim.connectors[1].powerW).toBeCloseTo(16.2 * 230 * 3, 6);

    t += 30 * 60_000; // half an hour at 11,178 W
    await sim.sampleAll();
    const mv = await csms.next((f) => f[2] === 'MeterValues');
    expect(sample(mv, 'Power.Active.Import')).toBeCloseTo(11178, 0);
    expect(sample(mv, 'Current.Offered')).toBeCloseTo(16.2, 1);
    expect(sample(mv, 'Energy.Active.Import.Register')).toBeCloseTo(11178 / 2, 0);

    await sim.stopSession(1);
    const stop = await csms.next((f) => f[2] === 'StopTransaction');
    expect(stop[3]).toMatchObject({ transactionId: 42, meterStop: Math.round(11178 / 2), reason: 'Local' });
    expect(sim.profiles.list()).toHaveLength(0); // the TxProfile ended with its transaction
  });

  it('keeps both connectors together within the ChargePointMaxProfile, and suspends at limit 0', async () => {
    await sim.startSession(1, 'TAG-1', 22_000);
    await sim.startSession(2, 'TAG-2', 22_000);
    await csms.callCharger('m1', 'SetChargingProfile', {
      connectorId: 0,
      csChargingProfiles: {
        chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: 'ChargePointMaxProfile', chargingProfileKind: 'Absolute',
        chargingSchedule: { startSchedule: new Date(T0).toISOString(), chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 20000 }, { startPeriod: 600, limit: 0 }] },
      },
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(sim.connectors[1].powerW + sim.connectors[2].powerW).toBeCloseTo(20000, 6);
    t += 601_000;
    await sim.applyLimits();
    expect(sim.connectors[1]).toMatchObject({ powerW: 0, status: 'SuspendedEVSE' });
  });

  it('answers GetCompositeSchedule from the same engine', async () => {
    await csms.callCharger('d1', 'SetChargingProfile', {
      connectorId: 0,
      csChargingProfiles: {
        chargingProfileId: 3, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute',
        chargingSchedule: { startSchedule: new Date(T0).toISOString(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] },
      },
    });
    const [, , conf] = await csms.callCharger('g1', 'GetCompositeSchedule', { connectorId: 1, duration: 3600, chargingRateUnit: 'A' });
    expect(conf).toMatchObject({ status: 'Accepted', connectorId: 1, chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] } });
  });

  it('TriggerMessage: answers first, then sends StatusNotification for the station and every connector', async () => {
    csms.received.length = 0;
    const answer = await csms.callCharger('t1', 'TriggerMessage', { requestedMessage: 'StatusNotification' });
    expect(answer).toEqual([3, 't1', { status: 'Accepted' }]);
    await csms.next((f) => f[2] === 'StatusNotification' && (f[3] as { connectorId: number }).connectorId === 2);
    const order = csms.received.map((f) => (f[0] === 3 ? 'answer' : `${f[2]}:${(f[3] as { connectorId?: number }).connectorId}`));
    expect(order).toEqual(['answer', 'StatusNotification:0', 'StatusNotification:1', 'StatusNotification:2']);
    expect(await csms.callCharger('t2', 'TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 9 })).toEqual([3, 't2', { status: 'Rejected' }]);
  });

  it('refuses a TxProfile without a transaction and never reports the write-only AuthorizationKey', async () => {
    const r = await csms.callCharger('x1', 'SetChargingProfile', {
      connectorId: 1,
      csChargingProfiles: { chargingProfileId: 9, stackLevel: 0, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }] } },
    });
    expect(r).toEqual([3, 'x1', { status: 'Rejected' }]);
    const [, , conf] = await csms.callCharger('x2', 'GetConfiguration', { key: ['AuthorizationKey', 'ChargeProfileMaxStackLevel'] });
    expect(conf).toEqual({ configurationKey: [{ key: 'ChargeProfileMaxStackLevel', readonly: true, value: '8' }], unknownKey: ['AuthorizationKey'] });
  });
});
