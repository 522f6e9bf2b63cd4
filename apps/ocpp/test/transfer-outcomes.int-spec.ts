import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { api, ocppSuite, send } from './harness.js';

const later = (ms: number) => new Date(Date.now() + ms).toISOString();

/**
 * Transfers whose outcome the charger tells only indirectly: a GetDiagnostics answered without a
 * fileName (OCPP 1.6: nothing to upload), and a firmware update the charger shows only by booting
 * on a new firmwareVersion, also when it reported none before.
 */
describe('OCPP transfer outcomes told indirectly', () => {
  const { ocpp, booted, command } = ocppSuite();
  const station = async (id: string) => (await api(ocpp(), 'GET', `/api/v1/stations/${id}`)).body;
  const boot = (cp: ChargePoint16, firmwareVersion?: string) =>
    send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1', ...(firmwareVersion ? { firmwareVersion } : {}) });

  it('a GetDiagnostics answered without a fileName is recorded as ended with nothing to upload', async () => {
    const cp = await booted(undefined, (c) => c.handle('GetDiagnostics', () => ({})));
    const request = { location: 'ftp://diag.example.com/upload' };
    expect((await command(cp.identity, 'GetDiagnostics', request)).body).toEqual({ status: 'ok', payload: {} });
    const shown = (await station(cp.identity)).diagnostics_request;
    expect(shown).toMatchObject({ ...request, fileName: null, nothingToUpload: true, status: 'Idle', statusAt: expect.stringMatching(/Z$/) });
    expect(Date.parse(shown.statusAt)).toBeGreaterThanOrEqual(Date.parse(shown.requestedAt));

    // One with a file name is open until the charger reports its upload.
    cp.handle('GetDiagnostics', () => ({ fileName: 'diag.zip' }));
    await command(cp.identity, 'GetDiagnostics', request);
    const open = (await station(cp.identity)).diagnostics_request;
    expect(open).toMatchObject({ fileName: 'diag.zip', status: null, statusAt: null });
    expect(open.nothingToUpload).toBeUndefined();
  });

  it('a boot reporting a firmwareVersion while Installing, after one that reported none, records the update Installed', async () => {
    const cp = await booted(undefined, (c) => c.handle('UpdateFirmware', () => ({})));
    expect((await command(cp.identity, 'UpdateFirmware', { location: 'https://fw.example.com/s1-2.0.bin', retrieveDate: later(60_000) })).status).toBe(200);
    expect((await station(cp.identity)).firmware_request).toMatchObject({ firmwareVersionBefore: null, status: null });
    await send(cp, 'FirmwareStatusNotification', { status: 'Installing' });
    // A boot still without a version tells nothing.
    await boot(cp);
    expect((await station(cp.identity)).firmware_request).toMatchObject({ status: 'Installing' });
    await boot(cp, '2.0');
    expect(await station(cp.identity)).toMatchObject({ firmware_version: '2.0', firmware_status: 'Installed', firmware_request: { status: 'Installed', installedInferredFromBoot: true } });
  });
});
