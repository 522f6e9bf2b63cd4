import { acceptingAnswers, TestCsms, type CsmsAnswer } from '@cpo/ocpp-chargepoint';
import { SimulatedStation } from './simulated-station.js';
import { defaultStation } from './station-config.js';

const base = acceptingAnswers({ transactionId: 7 });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(onCall: (action: string) => CsmsAnswer, extra: Partial<ConstructorParameters<typeof SimulatedStation>[1]> = {}) {
  const csms = new TestCsms();
  csms.onCall = onCall;
  const url = await csms.start();
  const sim = new SimulatedStation(defaultStation('SIM-B', { connectors: 1 }), { url, reconnect: { initialDelayMs: 20, maxDelayMs: 50 }, meterIntervalS: 3600, ...extra });
  sim.on('error', () => undefined);
  cleanups.push(async () => {
    await sim.stop();
    await csms.stop();
  });
  return { csms, sim };
}

describe('simulated station behaviour', () => {
  it('while Pending sends nothing but BootNotification, and a triggered BootNotification is sent at once', async () => {
    let status = 'Pending';
    const { csms, sim } = await setup((a) => (a === 'BootNotification' ? { status, currentTime: new Date().toISOString(), interval: 3600 } : base(a)));
    const pending = new Promise((r) => sim.once('registration', r));
    void sim.start();
    expect(await pending).toBe('Pending');
    await expect(sim.startSession(1, 'TAG', 11000)).rejects.toThrow(/not accepted/);
    status = 'Accepted';
    const accepted = new Promise((r) => sim.on('registration', (s) => s === 'Accepted' && r(s)));
    expect(await csms.callCharger('t1', 'TriggerMessage', { requestedMessage: 'BootNotification' })).toEqual([3, 't1', { status: 'Accepted' }]);
    await new Promise((r) => setTimeout(r, 50));
    expect(sim.registration).toBe('Accepted');
    expect(csms.received.filter((f) => f[0] === 2).map((f) => f[2])).toEqual(['BootNotification', 'BootNotification']);
    void accepted;
  });

  it('keeps transaction messages in order while offline and delivers them after reconnecting', async () => {
    const { csms, sim } = await setup(base, { reconnect: { initialDelayMs: 400, maxDelayMs: 400 } });
    const accepted = new Promise((r) => sim.on('registration', (s) => s === 'Accepted' && r(s)));
    void sim.start();
    await accepted;
    await sim.startSession(1, 'TAG', 11000);
    // Drop the link: the charger notices at once (socket closed) and keeps metering until it reconnects.
    const reconnected = new Promise((r) => sim.on('registration', (s) => s === 'Accepted' && r(s)));
    csms.socket.terminate();
    await new Promise((r) => setTimeout(r, 30));
    await sim.sendMeterValues(1);
    await sim.stopSession(1, 'EVDisconnected');
    expect(sim.txQueue.length).toBe(2);
    await reconnected;
    await csms.next((f) => f[2] === 'StopTransaction');
    const afterReconnect = csms.received.slice(csms.received.findLastIndex((f) => f[2] === 'BootNotification'));
    const txMessages = afterReconnect.filter((f) => f[2] === 'MeterValues' || f[2] === 'StopTransaction').map((f) => f[2]);
    expect(txMessages).toEqual(['MeterValues', 'StopTransaction']);
    for (let i = 0; i < 100 && sim.txQueue.length > 0; i++) await new Promise((r) => setTimeout(r, 10)); // last answer in flight
    expect(sim.txQueue.length).toBe(0);
  }, 10000);

  it('quirks: naive multipleOf refuses 16.2, stack level 0 only, and timestamps without Z', async () => {
    const { csms, sim } = await setup(base, { quirks: { naiveMultipleOf: true, onlyStackLevelZero: true, timestampsWithoutZ: true } });
    const accepted = new Promise((r) => sim.on('registration', (s) => s === 'Accepted' && r(s)));
    void sim.start();
    await accepted;
    const profile = (limit: number, stackLevel = 0) => ({
      connectorId: 0,
      csChargingProfiles: { chargingProfileId: 1, stackLevel, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Relative', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit }] } },
    });
    expect((await csms.callCharger('q1', 'SetChargingProfile', profile(16.2)))[2]).toBe('OccurenceConstraintViolation');
    expect(await csms.callCharger('q2', 'SetChargingProfile', profile(16))).toEqual([3, 'q2', { status: 'Accepted' }]);
    expect(await csms.callCharger('q3', 'SetChargingProfile', profile(16, 1))).toEqual([3, 'q3', { status: 'Rejected' }]);
    const status = csms.received.find((f) => f[2] === 'StatusNotification')!;
    expect((status[3] as { timestamp: string }).timestamp).toMatch(/T\d\d:\d\d:\d\d\.\d{3}$/);
  });
});

describe('local authorization and reservations', () => {
  it('starts without an Authorize round trip for a tag on the local list, and asks the CSMS otherwise', async () => {
    const { csms, sim } = await setup(base);
    const accepted = new Promise((r) => sim.on('registration', (s) => s === 'Accepted' && r(s)));
    void sim.start();
    await accepted;
    sim.keys.get('LocalPreAuthorize')!.value = 'true';
    expect(await csms.callCharger('l1', 'SendLocalList', { listVersion: 3, updateType: 'Full', localAuthorizationList: [{ idTag: 'LOCAL-1', idTagInfo: { status: 'Accepted' } }] })).toEqual([3, 'l1', { status: 'Accepted' }]);
    expect(await csms.callCharger('l2', 'GetLocalListVersion', {})).toEqual([3, 'l2', { listVersion: 3 }]);
    expect(await csms.callCharger('l3', 'SendLocalList', { listVersion: 2, updateType: 'Differential' })).toEqual([3, 'l3', { status: 'VersionMismatch' }]);
    await sim.startSession(1, 'LOCAL-1', 11000);
    expect(csms.received.some((f) => f[2] === 'Authorize')).toBe(false);
    await sim.stopSession(1);
    await sim.startSession(1, 'OTHER', 11000);
    expect(csms.received.filter((f) => f[2] === 'Authorize').map((f) => (f[3] as { idTag: string }).idTag)).toEqual(['OTHER']);
  });

  it('reserves a connector and releases it at expiry', async () => {
    const { csms, sim } = await setup(base);
    const accepted = new Promise((r) => sim.on('registration', (s) => s === 'Accepted' && r(s)));
    void sim.start();
    await accepted;
    const expiryDate = new Date(Date.now() + 150).toISOString();
    expect(await csms.callCharger('r1', 'ReserveNow', { connectorId: 1, expiryDate, idTag: 'TAG', reservationId: 5 })).toEqual([3, 'r1', { status: 'Accepted' }]);
    await csms.next((f) => f[2] === 'StatusNotification' && (f[3] as { status: string }).status === 'Reserved');
    expect(await csms.callCharger('r2', 'ReserveNow', { connectorId: 1, expiryDate, idTag: 'TAG', reservationId: 6 })).toEqual([3, 'r2', { status: 'Occupied' }]);
    await csms.next((f) => f[2] === 'StatusNotification' && (f[3] as { status: string }).status === 'Available' && csms.received.indexOf(f) > 5, 3000);
    expect(sim.connectors[1].status).toBe('Available');
  });
});
