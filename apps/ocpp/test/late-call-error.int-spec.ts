import { Subjects } from '@cpo/contracts';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { OcppCallError } from '@cpo/ocpp-protocol';
import { eventually } from '@cpo/testing';
import { api, send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const CALL_TIMEOUT_MS = 600;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The charger answers with a CallError after the operator got 504 Timeout: it did not act after all.
 * What the timeout recorded `TimedOut` (it may have) reads `Failed`, as a timely CallError leaves it.
 */
describe('a CallError arriving after the call timed out', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp({ OCPP_CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS) });
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await h.close();
  });

  async function online() {
    const cp = new ChargePoint16({ identity: uniqueStation('LERR'), url: h.wsUrl, reconnect: false });
    const late = async (): Promise<never> => {
      await sleep(CALL_TIMEOUT_MS + 300);
      throw new OcppCallError('InternalError', 'could not do it');
    };
    cp.handle('ReserveNow', late);
    cp.handle('ChangeAvailability', late);
    cp.handle('GetConfiguration', () => ({ configurationKey: [] }));
    chargers.push(cp);
    void cp.start();
    await cp.waitOpen();
    await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'LERR' });
    return cp;
  }

  it('a ReserveNow: the reservation reads Failed, not TimedOut', async () => {
    const cp = await online();
    const statusOf = async () => ((await api(h, 'GET', `/api/v1/reservations?stationId=${cp.identity}`)).body as { items: { status: string }[] }).items.map((r) => r.status);
    const reply = await api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/ReserveNow`, { connectorId: 1, idTag: 'TAG-R', expiryDate: new Date(Date.now() + 3_600_000).toISOString() });
    expect(reply).toMatchObject({ status: 504, body: { code: 'Timeout' } });
    expect(await statusOf()).toEqual(['TimedOut']);
    expect(await eventually(async () => (await statusOf())[0] === 'Failed', 3000)).toBe(true);
  });

  it('a ReserveNow replacing a held reservation: the held one reads held again, as after a timely CallError', async () => {
    const cp = await online();
    let first = true;
    cp.handle('ReserveNow', async () => {
      if (first) return (first = false), { status: 'Accepted' as const };
      await sleep(CALL_TIMEOUT_MS + 300);
      throw new OcppCallError('InternalError', 'could not do it');
    });
    const reservationId = 1_766_100_230;
    const reserve = (idTag: string) =>
      api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/ReserveNow`, { connectorId: 1, idTag, reservationId, expiryDate: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await reserve('TAG-HELD')).status).toBe(200);
    expect(await reserve('TAG-NEW')).toMatchObject({ status: 504, body: { code: 'Timeout' } });
    const live = async () =>
      ((await api(h, 'GET', `/api/v1/reservations?stationId=${cp.identity}`)).body as { items: { idTag: string; status: string }[] }).items.filter((r) => r.status !== 'Failed').map((r) => `${r.idTag}:${r.status}`);
    expect(await eventually(async () => (await live()).join() === 'TAG-HELD:Accepted', 3000)).toBe(true);
  });

  it('a ChangeAvailability: the request reads Failed, not TimedOut', async () => {
    const cp = await online();
    const availability = async () => ((await api(h, 'GET', `/api/v1/stations/${cp.identity}`)).body as { availability: { status: string }[] }).availability.map((a) => a.status);
    expect(await api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/ChangeAvailability`, { connectorId: 1, type: 'Inoperative' })).toMatchObject({ status: 504, body: { code: 'Timeout' } });
    expect(await availability()).toEqual(['TimedOut']);
    expect(await eventually(async () => (await availability())[0] === 'Failed', 3000)).toBe(true);
  });

  /**
   * An UpdateFirmware / GetDiagnostics that timed out is recorded as the station's request, left
   * `unanswered` (chargers answering only once the download has begun, or the archive is built, time
   * out, and the request is then most likely under way). A CallError after the timeout says the
   * charger did not take it on: the request is settled with that code, as refused, and no later status
   * or boot is taken as its progress (it read as waiting for ever, and a boot on other firmware
   * "installed" it).
   */
  describe('to UpdateFirmware / GetDiagnostics', () => {
    const boot = (cp: ChargePoint16, firmwareVersion: string) => send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'LTRF', firmwareVersion });
    const station = async (id: string) => (await api(h, 'GET', `/api/v1/stations/${id}`)).body as Record<string, Record<string, unknown> | null>;

    async function onlineTransfers() {
      const cp = new ChargePoint16({ identity: uniqueStation('LTRF'), url: h.wsUrl, reconnect: false });
      const late = async (): Promise<never> => {
        await sleep(CALL_TIMEOUT_MS + 300);
        throw new OcppCallError('NotSupported', 'no remote updates here');
      };
      cp.handle('UpdateFirmware', late);
      cp.handle('GetDiagnostics', late);
      cp.handle('GetConfiguration', () => ({ configurationKey: [] }));
      chargers.push(cp);
      void cp.start();
      await cp.waitOpen();
      await boot(cp, '1.0');
      return cp;
    }

    it('an UpdateFirmware: the request is settled with the code, and no boot or status is its progress', async () => {
      const cp = await onlineTransfers();
      const reply = await api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/UpdateFirmware`, { location: 'https://fw.example.com/2.0.bin', retrieveDate: new Date().toISOString() });
      expect(reply).toMatchObject({ status: 504, body: { code: 'Timeout' } });
      expect((await station(cp.identity)).firmware_request).toMatchObject({ unanswered: 'timeout' });
      expect(await eventually(async () => (await station(cp.identity)).firmware_request?.['callError'] === 'NotSupported', 3000)).toBe(true);
      expect((await station(cp.identity)).firmware_request!['unanswered']).toBeUndefined();

      // The charger never downloaded it: a boot on other firmware does not make it Installed.
      await boot(cp, '2.0');
      const afterBoot = await station(cp.identity);
      expect(afterBoot['firmware_status']).toBeNull();
      expect(afterBoot.firmware_request).toMatchObject({ callError: 'NotSupported', status: null });
      expect(afterBoot.firmware_request!['installedInferredFromBoot']).toBeUndefined();
      // A status now is the station's, not this request's (in the view and in the event).
      await send(cp, 'FirmwareStatusNotification', { status: 'Downloading' });
      const shown = await station(cp.identity);
      expect(shown['firmware_status']).toBe('Downloading');
      expect(shown.firmware_request).toMatchObject({ callError: 'NotSupported', status: null, statusAt: null });
      expect(await eventually(async () => h.events.of(Subjects.OcppFirmwareStatus, cp.identity).length === 1, 3000)).toBe(true);
      const [event] = h.events.of(Subjects.OcppFirmwareStatus, cp.identity);
      expect(event).toMatchObject({ status: 'Downloading' });
      expect(event!['requestedAt']).toBeUndefined();
    });

    it('a GetDiagnostics: the request is settled with the code, and no status is its progress', async () => {
      const cp = await onlineTransfers();
      const reply = await api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/GetDiagnostics`, { location: 'ftp://logs.example.com/' });
      expect(reply).toMatchObject({ status: 504, body: { code: 'Timeout' } });
      expect((await station(cp.identity)).diagnostics_request).toMatchObject({ unanswered: 'timeout', fileName: null });
      expect(await eventually(async () => (await station(cp.identity)).diagnostics_request?.['callError'] === 'NotSupported', 3000)).toBe(true);
      expect((await station(cp.identity)).diagnostics_request!['unanswered']).toBeUndefined();
      await send(cp, 'DiagnosticsStatusNotification', { status: 'Uploading' });
      const shown = await station(cp.identity);
      expect(shown['diagnostics_status']).toBe('Uploading');
      expect(shown.diagnostics_request).toMatchObject({ callError: 'NotSupported', status: null, statusAt: null });
    });
  });
});
