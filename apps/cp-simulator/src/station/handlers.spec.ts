import { acceptingAnswers, TestCsms } from '@cpo/ocpp-chargepoint';
import { SimulatedStation } from './simulated-station.js';
import { defaultStation } from './station-config.js';

/** Polls `check` every 10 ms for up to 5 s. */
async function eventually(check: () => boolean): Promise<boolean> {
  for (const until = Date.now() + 5000; Date.now() < until; await new Promise((r) => setTimeout(r, 10))) if (check()) return true;
  return check();
}

describe('CSMS-initiated messages', () => {
  let csms: TestCsms;
  let sim: SimulatedStation;
  const calls = (action: string) => csms.received.filter((f) => f[0] === 2 && f[2] === action).map((f) => f[3] as Record<string, unknown>);
  beforeEach(async () => {
    csms = new TestCsms();
    csms.onCall = acceptingAnswers({ transactionId: 77 });
    const url = await csms.start();
    sim = new SimulatedStation(defaultStation('SIM-H', { connectors: 2 }), { url, reconnect: false, meterIntervalS: 3600 });
    const accepted = new Promise((r) => sim.on('registration', (s) => s === 'Accepted' && r(s)));
    void sim.start();
    await accepted;
  });
  afterEach(async () => {
    await sim.stop();
    await csms.stop();
  });

  it('RemoteStartTransaction starts a session (with its TxProfile), RemoteStopTransaction ends it', async () => {
    const profile = { chargingProfileId: 4, stackLevel: 0, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] } };
    expect(await csms.callCharger('s1', 'RemoteStartTransaction', { idTag: 'APP-1', connectorId: 2, chargingProfile: profile })).toEqual([3, 's1', { status: 'Accepted' }]);
    await csms.next((f) => f[2] === 'StartTransaction');
    // The TxProfile applies once the transaction id is known, a few event-loop turns after the StartTransaction (later on a busy machine).
    expect(await eventually(() => Math.abs(sim.connectors[2].powerW - 10 * 230 * 3) < 1e-6)).toBe(true);
    expect(await csms.callCharger('s2', 'RemoteStopTransaction', { transactionId: 999 })).toEqual([3, 's2', { status: 'Rejected' }]);
    expect(await csms.callCharger('s3', 'RemoteStopTransaction', { transactionId: 77 })).toEqual([3, 's3', { status: 'Accepted' }]);
    await csms.next((f) => f[2] === 'StopTransaction');
    expect(calls('StopTransaction')[0]).toMatchObject({ transactionId: 77, reason: 'Remote' });
  });

  it('ChangeAvailability: Scheduled during a session, Accepted and Unavailable otherwise', async () => {
    await sim.startSession(1, 'TAG', 11000);
    expect(await csms.callCharger('a1', 'ChangeAvailability', { connectorId: 1, type: 'Inoperative' })).toEqual([3, 'a1', { status: 'Scheduled' }]);
    expect(await csms.callCharger('a2', 'ChangeAvailability', { connectorId: 2, type: 'Inoperative' })).toEqual([3, 'a2', { status: 'Accepted' }]);
    await csms.next((f) => f[2] === 'StatusNotification' && (f[3] as { status: string }).status === 'Unavailable');
    await expect(sim.startSession(2, 'TAG', 11000)).rejects.toThrow(/cannot start/);
  });

  it('Get/ChangeConfiguration: read-only keys refused, unknown keys NotSupported, changes applied', async () => {
    expect(await csms.callCharger('c1', 'ChangeConfiguration', { key: 'NumberOfConnectors', value: '9' })).toEqual([3, 'c1', { status: 'Rejected' }]);
    expect(await csms.callCharger('c2', 'ChangeConfiguration', { key: 'NoSuchKey', value: '1' })).toEqual([3, 'c2', { status: 'NotSupported' }]);
    expect(await csms.callCharger('c3', 'ChangeConfiguration', { key: 'HeartbeatInterval', value: '120' })).toEqual([3, 'c3', { status: 'Accepted' }]);
    const [, , conf] = await csms.callCharger('c4', 'GetConfiguration', { key: ['HeartbeatInterval'] });
    expect(conf).toEqual({ configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '120' }] });
  });

  it('UpdateFirmware and GetDiagnostics report their progress after answering', async () => {
    expect(await csms.callCharger('f1', 'UpdateFirmware', { location: 'https://fw.example/x.bin', retrieveDate: new Date().toISOString() })).toEqual([3, 'f1', {}]);
    await csms.next((f) => f[2] === 'FirmwareStatusNotification' && (f[3] as { status: string }).status === 'Installed');
    expect(calls('FirmwareStatusNotification').map((p) => p.status)).toEqual(['Downloading', 'Downloaded', 'Installing', 'Installed']);
    expect((await csms.callCharger('d1', 'GetDiagnostics', { location: 'ftp://diag.example/' }))[2]).toEqual({ fileName: 'diagnostics-SIM-H.log' });
    await csms.next((f) => f[2] === 'DiagnosticsStatusNotification' && (f[3] as { status: string }).status === 'Uploaded');
  });

  it('Reset stops running sessions and boots again', async () => {
    await sim.startSession(1, 'TAG', 11000);
    expect(await csms.callCharger('r1', 'Reset', { type: 'Soft' })).toEqual([3, 'r1', { status: 'Accepted' }]);
    await csms.next((f) => f[2] === 'StopTransaction');
    await new Promise((r) => setTimeout(r, 150));
    expect(calls('StopTransaction')[0]).toMatchObject({ reason: 'SoftReset' });
    expect(calls('BootNotification')).toHaveLength(2);
    expect(await csms.callCharger('u1', 'UnlockConnector', { connectorId: 0 })).toEqual([3, 'u1', { status: 'NotSupported' }]);
    expect(await csms.callCharger('u2', 'DataTransfer', { vendorId: 'acme' })).toEqual([3, 'u2', { status: 'UnknownVendorId' }]);
  });
});
