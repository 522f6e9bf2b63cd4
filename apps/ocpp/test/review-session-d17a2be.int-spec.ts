import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { api, send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

/** A TxDefaultProfile (or `purpose`) under `id`, 16 A from ten minutes ago, no end. */
function profile(id: number, o: { purpose?: string; stackLevel?: number } = {}) {
  return {
    chargingProfileId: id,
    stackLevel: o.stackLevel ?? 2,
    chargingProfilePurpose: o.purpose ?? 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: { startSchedule: new Date(Date.now() - 600_000).toISOString(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
  };
}

/** Review of d17a2be: reboot re-reads, replaced units, RemoteStart TxProfiles. */
describe('review of d17a2be', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp();
    await api(h, 'PUT', '/api/v1/id-tags/REVIEW-1', { status: 'Accepted' });
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await h.close();
  });

  /** The configuration the simulated charger runs, and what it takes at its next reboot. */
  const charger = { config: new Map<string, string>(), afterReboot: new Map<string, string>() };
  const factory = { NumberOfConnectors: '2', ChargingScheduleAllowedChargingRateUnit: 'Current', ChargeProfileMaxStackLevel: '8', SupportedFeatureProfiles: 'Core,SmartCharging', ConnectionTimeOut: '60' };
  beforeEach(() => {
    charger.config = new Map(Object.entries(factory));
    charger.afterReboot.clear();
  });

  /** A charger that records every GetConfiguration (the keys asked; [] for the whole configuration) and accepts what it is sent. */
  async function online(identity: string, reads: string[][], boot: { chargePointSerialNumber?: string; chargeBoxSerialNumber?: string; firmwareVersion?: string } = {}) {
    const cp = new ChargePoint16({ identity, url: h.wsUrl, reconnect: false });
    cp.handle('GetConfiguration', (req) => {
      reads.push(req.key ?? []);
      return { configurationKey: [...charger.config].filter(([k]) => !req.key?.length || req.key.includes(k)).map(([key, value]) => ({ key, value, readonly: false })) };
    });
    // As a charger that needs a reboot for a new ConnectionTimeOut: RebootRequired for another value
    // than the one it runs, Accepted for the one it runs (nothing to do, and nothing left pending).
    cp.handle('ChangeConfiguration', (req) => {
      if (req.value === charger.config.get(req.key)) {
        charger.afterReboot.delete(req.key);
        return { status: 'Accepted' };
      }
      charger.afterReboot.set(req.key, req.value);
      return { status: 'RebootRequired' };
    });
    cp.handle('SetChargingProfile', () => ({ status: 'Accepted' }));
    cp.handle('ClearChargingProfile', () => ({ status: 'Accepted' }));
    cp.handle('RemoteStartTransaction', () => ({ status: 'Accepted' }));
    chargers.push(cp);
    void cp.start();
    await cp.waitOpen();
    await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'RV', firmwareVersion: '1.0', ...boot });
    return cp;
  }
  const command = (stationId: string, action: string, payload: unknown) => api(h, 'POST', `/api/v1/stations/${stationId}/commands/${action}`, payload);
  const ids = async (stationId: string) => ((await api(h, 'GET', `/api/v1/stations/${stationId}/operator-profiles`)).body as { chargingProfileId: number }[]).map((p) => p.chargingProfileId);
  const stored = async (stationId: string, key: string) =>
    ((await h.db.query(`SELECT configuration->$2->>'value' AS value FROM stations WHERE id = $1`, [stationId, key])) as { value: string | null }[])[0]?.value;
  const wholeReads = (reads: string[][]) => reads.filter((k) => k.length === 0).length;

  it('a firmware Installed sent after the reboot into the new firmware (OCPP 1.6 order) has that firmware configuration read, not the one of some later boot', async () => {
    const identity = uniqueStation('RVFW');
    const reads: string[][] = [];
    let cp = await online(identity, reads);
    expect(await eventually(async () => wholeReads(reads) === 1)).toBe(true);
    await send(cp, 'FirmwareStatusNotification', { status: 'Downloaded' });
    await send(cp, 'FirmwareStatusNotification', { status: 'Installing' });
    // The charger reboots into the new firmware (same firmwareVersion string), boots, then reports Installed.
    await cp.stop();
    cp = await online(identity, reads);
    await send(cp, 'FirmwareStatusNotification', { status: 'Installed' });
    // The new firmware's keys are read now, not at the charger's next boot (maybe weeks away).
    expect(await eventually(async () => wholeReads(reads) === 2, 3000)).toBe(true);
  });

  it('a firmware Installed after a boot on a new firmwareVersion (read at that boot) reads nothing again, now or at the next boot', async () => {
    const identity = uniqueStation('RVFW');
    const reads: string[][] = [];
    let cp = await online(identity, reads);
    expect(await eventually(async () => wholeReads(reads) === 1)).toBe(true);
    await send(cp, 'FirmwareStatusNotification', { status: 'Installing' });
    await cp.stop();
    cp = await online(identity, reads, { firmwareVersion: '2.0' });
    expect(await eventually(async () => wholeReads(reads) === 2)).toBe(true);
    await send(cp, 'FirmwareStatusNotification', { status: 'Installed' });
    await cp.stop();
    cp = await online(identity, reads, { firmwareVersion: '2.0' });
    await new Promise((r) => setTimeout(r, 500));
    expect(wholeReads(reads)).toBe(2);
  });

  it('a firmware Installed reported before the reboot into it has the configuration read by that boot', async () => {
    const identity = uniqueStation('RVFW');
    const reads: string[][] = [];
    let cp = await online(identity, reads);
    expect(await eventually(async () => wholeReads(reads) === 1)).toBe(true);
    await send(cp, 'FirmwareStatusNotification', { status: 'Installing' });
    await send(cp, 'FirmwareStatusNotification', { status: 'Installed' });
    await new Promise((r) => setTimeout(r, 300));
    expect(wholeReads(reads)).toBe(1);
    await cp.stop();
    cp = await online(identity, reads);
    expect(await eventually(async () => wholeReads(reads) === 2)).toBe(true);
  });

  it('a unit that stops reporting its serial number (absent now, stored before) is not a replaced unit: its profiles stay listed', async () => {
    const identity = uniqueStation('RVSN');
    const first = await online(identity, [], { chargePointSerialNumber: 'SN-1' });
    expect((await command(identity, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(930) })).status).toBe(200);
    expect(await ids(identity)).toEqual([930]);
    await first.stop();
    // Same unit, a firmware that leaves the optional chargePointSerialNumber out.
    await online(identity, []);
    expect(await ids(identity)).toEqual([930]);
  });

  it('a unit that stops reporting its serial number is not onboarded again, and keeps the serial it reported', async () => {
    const identity = uniqueStation('RVSN');
    const reads: string[][] = [];
    const first = await online(identity, reads, { chargePointSerialNumber: 'SN-1' });
    expect(await eventually(async () => wholeReads(reads) === 1)).toBe(true);
    await first.stop();
    await online(identity, reads);
    await new Promise((r) => setTimeout(r, 500));
    expect(wholeReads(reads)).toBe(1);
    expect(((await h.db.query(`SELECT serial_number FROM stations WHERE id = $1`, [identity])) as { serial_number: string | null }[])[0]?.serial_number).toBe('SN-1');
  });

  it("a RemoteStartTransaction's TxProfile without a connector goes from the list when the charger clears that connector's TxProfiles", async () => {
    const identity = uniqueStation('RVRS');
    const cp = await online(identity, []);
    await command(identity, 'RemoteStartTransaction', { idTag: 'REVIEW-1', chargingProfile: profile(940, { purpose: 'TxProfile', stackLevel: 1 }) });
    await send(cp, 'StartTransaction', { connectorId: 2, idTag: 'REVIEW-1', meterStart: 0, timestamp: new Date().toISOString() });
    expect(await ids(identity)).toEqual([940]);
    // Listed on connector 2; the operator clears connector 2's TxProfiles and the charger accepts.
    expect((await command(identity, 'ClearChargingProfile', { connectorId: 2, chargingProfilePurpose: 'TxProfile' })).body).toMatchObject({ payload: { status: 'Accepted' } });
    expect(await ids(identity)).toEqual([]);
  });

  it('a change answered RebootRequired, then set back to the running value (Accepted), is not applied by the reboot', async () => {
    const identity = uniqueStation('RVPC');
    const reads: string[][] = [];
    let cp = await online(identity, reads);
    expect(await eventually(async () => (await stored(identity, 'ConnectionTimeOut')) === '60')).toBe(true);
    expect((await command(identity, 'ChangeConfiguration', { key: 'ConnectionTimeOut', value: '30' })).body.payload).toEqual({ status: 'RebootRequired' });
    // The operator takes it back: the charger runs 60 and has nothing pending any more.
    expect((await command(identity, 'ChangeConfiguration', { key: 'ConnectionTimeOut', value: '60' })).body.payload).toEqual({ status: 'Accepted' });
    await cp.stop();
    for (const [k, v] of charger.afterReboot) charger.config.set(k, v);
    cp = await online(identity, reads);
    // Nothing is pending any more: the boot applies nothing and re-reads nothing.
    await new Promise((r) => setTimeout(r, 500));
    expect(reads).toHaveLength(1);
    expect(charger.config.get('ConnectionTimeOut')).toBe('60');
    expect(await stored(identity, 'ConnectionTimeOut')).toBe('60');
  });
});
