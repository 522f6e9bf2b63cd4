import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { api, ocppSuite, send, uniqueStation } from './harness.js';

const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString();

/**
 * 4ead42f infers `Installed` from a boot when the firmware version recorded with the request is
 * null (TransferRepository.recordInstalledAtBoot: `firmwareVersionBefore` 'null' IS DISTINCT FROM
 * any reported version), with no status required since the request. A null version is also a
 * station we never saw boot: a fleet moved to this central system reconnects without rebooting
 * (OCPP 1.6 sends BootNotification only at start-up). An UpdateFirmware for tomorrow, then an
 * unrelated reboot on the unchanged firmware today, shows the update Installed (and publishes it).
 */
describe('review session 2: a boot reporting the firmware version for the first time', () => {
  const { ocpp } = ocppSuite();
  const open: ChargePoint16[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.stop()));
  });

  it('does not show an UpdateFirmware scheduled for tomorrow Installed when the station had not booted here before', async () => {
    const id = uniqueStation();
    expect((await api(ocpp(), 'PUT', `/api/v1/stations/${id}`, { registrationStatus: 'Accepted' })).status).toBe(201);
    const cp = new ChargePoint16({ identity: id, url: ocpp().wsUrl, reconnect: false });
    cp.handle('UpdateFirmware', () => ({}));
    open.push(cp);
    void cp.start();
    await cp.waitOpen();
    // Connected (reconnected after the move), no boot: the firmware version is not known yet.
    const sent = await api(ocpp(), 'POST', `/api/v1/stations/${id}/commands/UpdateFirmware`, { location: 'https://fw.example.com/s1-2.0.bin', retrieveDate: tomorrow() });
    expect(sent.body).toEqual({ status: 'ok', payload: {} });
    expect((await api(ocpp(), 'GET', `/api/v1/stations/${id}`)).body.firmware_request).toMatchObject({ firmwareVersionBefore: null, status: null });
    // A power cut today: the charger boots on the firmware it has run all along.
    await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1', firmwareVersion: '1.0' });
    const shown = (await api(ocpp(), 'GET', `/api/v1/stations/${id}`)).body;
    expect({ status: shown.firmware_status, inferred: shown.firmware_request.installedInferredFromBoot ?? false }).toEqual({ status: null, inferred: false });
  });
});
