import { Subjects } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
import { api, send, ocppSuite, uniqueStation } from './harness.js';

const now = () => new Date().toISOString();

/** Charger-initiated messages (guide §2.1, §2.3): defects found in review. */
describe('charger-initiated messages: review fixes', () => {
  const { ocpp, booted, command } = ocppSuite();

  it("a StopTransaction's idTagInfo is never ConcurrentTx: a card stopping another card's session while it charges elsewhere is Accepted", async () => {
    const starter = uniqueStation('TAG').slice(-12);
    const stopper = uniqueStation('TAG').slice(-12);
    for (const tag of [starter, stopper]) expect((await api(ocpp(), 'PUT', `/api/v1/id-tags/${tag}`, { status: 'Accepted' })).status).toBe(201);
    const here = await booted();
    const elsewhere = await booted();
    const session = await send(here, 'StartTransaction', { connectorId: 1, idTag: starter, meterStart: 0, timestamp: now() });
    const other = await send(elsewhere, 'StartTransaction', { connectorId: 1, idTag: stopper, meterStart: 0, timestamp: now() });
    expect(other.idTagInfo.status).toBe('Accepted');
    // OCPP 1.6 §7.2: ConcurrentTx is only relevant for a StartTransaction.req. The charger keeps this
    // idTagInfo in its Authorization Cache: ConcurrentTx there refuses the card offline afterwards.
    const stop = await send(here, 'StopTransaction', { transactionId: session.transactionId, idTag: stopper, meterStop: 1000, timestamp: now() });
    expect(stop.idTagInfo?.status).toBe('Accepted');
  });

  it("a lenient station's BootNotification without a vendor, or with a firmwareVersion that is no text, is answered Accepted and its details stored", async () => {
    const id = uniqueStation('LBOOT');
    expect((await api(ocpp(), 'PUT', `/api/v1/stations/${id}`, { validationPolicy: 'lenient' })).status).toBe(201);
    const cp = await booted(id);
    const conf = await cp.call('BootNotification', { chargePointModel: 'S1', firmwareVersion: 17 } as never, { skipSchemaValidation: true, suppress: false });
    expect(conf).toMatchObject({ status: 'Accepted' });
    const [row] = await ocpp().db.query(`SELECT vendor, model, firmware_version FROM stations WHERE id = $1`, [id]);
    expect(row).toEqual({ vendor: null, model: 'S1', firmware_version: '17' });
    // The first boot's event and this one's: the contract's vendor (required) published as empty, the firmware left out.
    expect(await eventually(() => ocpp().events.of(Subjects.OcppStationBooted, id).length === 2)).toBe(true);
    expect(ocpp().events.of(Subjects.OcppStationBooted, id)[1]).toEqual(expect.objectContaining({ vendor: '', model: 'S1', registrationStatus: 'Accepted' }));
    expect(ocpp().events.of(Subjects.OcppStationBooted, id)[1]).not.toHaveProperty('firmwareVersion');
  });

  it("a triggered Idle after an update's outcome keeps that outcome on the request (firmware Installed, diagnostics Uploaded); Idle mid-transfer still shows", async () => {
    const station = async (id: string) => (await api(ocpp(), 'GET', `/api/v1/stations/${id}`)).body;
    const cp = await booted(undefined, (c) => {
      c.handle('UpdateFirmware', () => ({}));
      c.handle('GetDiagnostics', () => ({ fileName: 'diag.zip' }));
    });
    const update = { location: 'https://fw.example.com/s1.bin', retrieveDate: new Date(Date.now() + 60_000).toISOString() };
    expect((await command(cp.identity, 'UpdateFirmware', update)).status).toBe(200);
    for (const status of ['Downloading', 'Downloaded', 'Installing', 'Installed'] as const) await send(cp, 'FirmwareStatusNotification', { status });
    expect((await command(cp.identity, 'GetDiagnostics', { location: 'ftp://diag.example.com/up' })).status).toBe(200);
    for (const status of ['Uploading', 'Uploaded'] as const) await send(cp, 'DiagnosticsStatusNotification', { status });
    // OCPP 1.6: Idle is only sent when triggered, and means no transfer is going on (guide §2.3).
    await send(cp, 'FirmwareStatusNotification', { status: 'Idle' });
    await send(cp, 'DiagnosticsStatusNotification', { status: 'Idle' });
    const after = await station(cp.identity);
    expect(after.firmware_request).toMatchObject({ location: update.location, status: 'Installed' });
    expect(after.diagnostics_request).toMatchObject({ fileName: 'diag.zip', status: 'Uploaded' });
    expect(after).toMatchObject({ firmware_status: 'Installed', diagnostics_status: 'Uploaded' });
    const kept = await ocpp().db.query(`SELECT count(*)::int AS n FROM station_messages WHERE station_id = $1 AND payload->>'status' = 'Idle'`, [cp.identity]);
    expect(kept).toEqual([{ n: 2 }]);

    // A new update the charger then reports Idle for was dropped: that Idle is its status.
    expect((await command(cp.identity, 'UpdateFirmware', update)).status).toBe(200);
    await send(cp, 'FirmwareStatusNotification', { status: 'Idle' });
    expect((await station(cp.identity)).firmware_request).toMatchObject({ status: 'Idle' });
  });
});
