import { Subjects } from '@cpo/contracts';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { OcppCallError } from '@cpo/ocpp-protocol';
import { eventually } from '@cpo/testing';
import { api, send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const CALL_TIMEOUT_MS = 600;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * An UpdateFirmware / GetDiagnostics that timed out is recorded as the station's request, left
 * `unanswered` (chargers answering only once the download has begun, or the archive is built, time
 * out, and the request is then most likely under way). A CallError after the timeout says the
 * charger did not take it on: the request is settled with that code, as refused, and no later status
 * or boot is taken as its progress (it read as waiting for ever, and a boot on other firmware
 * "installed" it).
 */
describe('a CallError to UpdateFirmware / GetDiagnostics arriving after the call timed out', () => {
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

  const boot = (cp: ChargePoint16, firmwareVersion: string) => send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'LTRF', firmwareVersion });
  const station = async (id: string) => (await api(h, 'GET', `/api/v1/stations/${id}`)).body as Record<string, Record<string, unknown> | null>;

  async function online() {
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
    const cp = await online();
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
    const cp = await online();
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
