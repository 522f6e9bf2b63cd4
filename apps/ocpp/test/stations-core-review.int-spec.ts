import { ocppDataTransferSubject, OcppDataTransferRequestV1, parseRequestPayload, Subjects } from '@cpo/contracts';
import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import type { Req16 } from '@cpo/ocpp-protocol';
import { eventually, testServers } from '@cpo/testing';
import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { api, ocppSuite, send } from './harness.js';

const boot = { chargePointVendor: 'Acme', chargePointModel: 'S1', firmwareVersion: '2.1.0' };

const CALL_TIMEOUT_MS = 1500;
const later = (ms: number) => new Date(Date.now() + ms).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('OCPP core station messages (review)', () => {
  const { ocpp, booted, command } = ocppSuite({ OCPP_CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS) });

  const connector = async (stationId: string, connectorId: number) =>
    ((await ocpp().db.query(`SELECT status, status_at FROM connectors WHERE station_id = $1 AND connector_id = $2`, [stationId, connectorId])) as { status: string; status_at: Date }[])[0];

  describe('a charger whose clock was reset by a power loss (no RTC battery)', () => {
    it('has the statuses it stamps at 1970 after its reboot stored over those before the power loss, in arrival order, until its clock is set', async () => {
      const cp = await booted();
      expect(await send(cp, 'StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: new Date().toISOString() })).toEqual({});
      // Power loss: the charger comes back with its clock at the epoch and boots again.
      expect(await send(cp, 'BootNotification', boot)).toMatchObject({ status: 'Accepted' });
      expect(await send(cp, 'StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: '1970-01-01T00:00:10Z' })).toEqual({});
      expect((await connector(cp.identity, 1))?.status).toBe('Available');
      // Still stamped by the unset clock: they arrive in order, the later one wins.
      expect(await send(cp, 'StatusNotification', { connectorId: 1, status: 'Preparing', errorCode: 'NoError', timestamp: '1970-01-01T00:00:20Z' })).toEqual({});
      expect((await connector(cp.identity, 1))?.status).toBe('Preparing');
      // Clock set again: its own time orders the statuses from now on.
      expect(await send(cp, 'StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: new Date().toISOString() })).toEqual({});
      expect(await send(cp, 'StatusNotification', { connectorId: 1, status: 'Finishing', errorCode: 'NoError', timestamp: new Date(Date.now() - 3_600_000).toISOString() })).toEqual({});
      expect((await connector(cp.identity, 1))?.status).toBe('Charging');
      expect(await eventually(() => ocpp().events.of(Subjects.OcppConnectorStatus, cp.identity).length === 4)).toBe(true);
      const published = ocpp().events.of(Subjects.OcppConnectorStatus, cp.identity);
      expect(published.map((e) => e['status'])).toEqual(['Charging', 'Available', 'Preparing', 'Charging']);
      // Never published as 1970: the planner orders by this time too, and would ignore them as stale.
      expect(published.every((e) => Date.parse(e['timestamp'] as string) > Date.now() - 60_000)).toBe(true);
    });
  });

  describe('onboarding', () => {
    function configuration(cp: ChargePoint16): Req16<'GetConfiguration'>[] {
      const reads: Req16<'GetConfiguration'>[] = [];
      cp.handle('GetConfiguration', (req) => {
        reads.push(req);
        return { configurationKey: [{ key: 'NumberOfConnectors', value: '2', readonly: true }] };
      });
      cp.handle('ChangeConfiguration', () => ({ status: 'NotSupported' }));
      return reads;
    }

    it('reads the configuration again when another unit boots under the identity (serial numbers changed: a replaced charger)', async () => {
      let reads: Req16<'GetConfiguration'>[] = [];
      const cp = await booted(undefined, (c) => (reads = configuration(c)));
      /** Waits for the `n`th read to be stored (the onboarding of one connection runs once at a time). */
      const readDone = async (n: number) => {
        expect(await eventually(() => reads.length === n)).toBe(true);
        await eventually(async () => (await ocpp().db.query(`SELECT configuration_read_at IS NOT NULL AS read FROM stations WHERE id = $1`, [cp.identity]))[0].read === true);
        await new Promise((r) => setTimeout(r, 200));
      };
      await readDone(1);
      const unit = (serial: string, box: string) => ({ chargePointVendor: 'Acme', chargePointModel: 'S1', chargePointSerialNumber: serial, chargeBoxSerialNumber: box });
      await send(cp, 'BootNotification', unit('SN-1', 'BOX-1'));
      await readDone(2);
      // The same unit again: nothing to read.
      await send(cp, 'BootNotification', unit('SN-1', 'BOX-1'));
      await send(cp, 'Heartbeat', {});
      await new Promise((r) => setTimeout(r, 300));
      expect(reads).toHaveLength(2);
      // The replacement unit: same vendor, model and firmware, its own (factory) configuration.
      await send(cp, 'BootNotification', unit('SN-2', 'BOX-2'));
      await readDone(3);
      await send(cp, 'BootNotification', unit('SN-2', 'BOX-3'));
      await readDone(4);
    });
  });

  describe('what smart charging learned of a unit', () => {
    const learned = async (id: string) => ((await ocpp().db.query(`SELECT capabilities FROM stations WHERE id = $1`, [id])) as { capabilities: Record<string, unknown> }[])[0]!.capabilities;

    it('is forgotten when another firmware or another unit boots under the identity, and kept across the same unit\'s reboots', async () => {
      const cp = await booted();
      const unit = { ...boot, chargePointSerialNumber: 'SN-1' };
      await send(cp, 'BootNotification', unit);
      await ocpp().db.query(
        `UPDATE stations SET capabilities = capabilities || '{"wholeAmperesOnly": true, "chargePointMaxProfileRefused": true, "onlyStackLevelZero": true, "txDefaultSkipsRunningTransaction": true}'::jsonb WHERE id = $1`,
        [cp.identity],
      );
      await send(cp, 'BootNotification', unit);
      expect(await learned(cp.identity)).toMatchObject({ wholeAmperesOnly: true, chargePointMaxProfileRefused: true });
      // A firmware update may have fixed the quirk: without forgetting, no fail-safe ChargePointMaxProfile again, ever.
      await send(cp, 'BootNotification', { ...unit, firmwareVersion: '2.2.0' });
      const afterFirmware = await learned(cp.identity);
      for (const key of ['wholeAmperesOnly', 'chargePointMaxProfileRefused', 'onlyStackLevelZero', 'txDefaultSkipsRunningTransaction']) expect(afterFirmware).not.toHaveProperty(key);
      // A replacement unit (another serial) is not judged by its predecessor's refusals either.
      await ocpp().db.query(`UPDATE stations SET capabilities = capabilities || '{"onlyStackLevelZero": true}'::jsonb WHERE id = $1`, [cp.identity]);
      await send(cp, 'BootNotification', { ...unit, firmwareVersion: '2.2.0', chargePointSerialNumber: 'SN-2' });
      expect(await learned(cp.identity)).not.toHaveProperty('onlyStackLevelZero');
    });
  });

  describe('an UpdateFirmware / GetDiagnostics the charger got but answered too late', () => {
    const station = async (id: string) => (await api(ocpp(), 'GET', `/api/v1/stations/${id}`)).body;

    it('is the request its statuses are shown with, not the one before it', async () => {
      let slow = false;
      const cp = await booted(undefined, (c) => {
        // Some firmwares answer only once the download has started (or the archive is built: GetDiagnostics names it).
        c.handle('UpdateFirmware', async () => (slow && (await sleep(CALL_TIMEOUT_MS + 1000)), {}));
        c.handle('GetDiagnostics', async () => (slow && (await sleep(CALL_TIMEOUT_MS + 1000)), { fileName: 'diag.zip' }));
      });
      const first = { location: 'https://fw.example.com/s1-2.0.bin', retrieveDate: later(0) };
      expect((await command(cp.identity, 'UpdateFirmware', first)).status).toBe(200);
      await send(cp, 'FirmwareStatusNotification', { status: 'Installed' });
      await command(cp.identity, 'GetDiagnostics', { location: 'ftp://diag.example.com/1' });
      await send(cp, 'DiagnosticsStatusNotification', { status: 'Uploaded' });
      expect(await station(cp.identity)).toMatchObject({ firmware_request: { location: first.location, status: 'Installed' }, diagnostics_request: { status: 'Uploaded' } });

      slow = true;
      const second = { location: 'https://fw.example.com/s1-3.0.bin', retrieveDate: later(0) };
      expect((await command(cp.identity, 'UpdateFirmware', second)).body).toMatchObject({ status: 'error', code: 'Timeout' });
      await send(cp, 'FirmwareStatusNotification', { status: 'Downloading' });
      const shown = (await station(cp.identity)).firmware_request;
      expect(shown).toMatchObject({ location: second.location, unanswered: 'timeout', status: 'Downloading' });
      expect((await command(cp.identity, 'GetDiagnostics', { location: 'ftp://diag.example.com/2' })).body).toMatchObject({ status: 'error', code: 'Timeout' });
      await send(cp, 'DiagnosticsStatusNotification', { status: 'Uploading' });
      expect((await station(cp.identity)).diagnostics_request).toMatchObject({ location: 'ftp://diag.example.com/2', fileName: null, status: 'Uploading' });
    });
  });

  describe('DataTransfer from a lenient station', () => {
    /** Every request the plug-in got, as sent; it answers as a plug-in does to a request outside the contract: Rejected. */
    const asked: unknown[] = [];
    let plugins: NatsConnection;
    beforeAll(async () => {
      plugins = await connect({ servers: testServers.nats });
      plugins.subscribe(`${ocpp().app.prefix}.${ocppDataTransferSubject('com.example.wallbox')}`, {
        callback: (_err, msg: Msg) => {
          const request = JSON.parse(new TextDecoder().decode(msg.data)) as unknown;
          asked.push(request);
          const parsed = parseRequestPayload(OcppDataTransferRequestV1, request);
          msg.respond(JSON.stringify(parsed.ok ? { status: 'Accepted', data: `got ${parsed.value.data}` } : { status: 'Rejected' }));
        },
      });
      await plugins.flush();
    });
    afterAll(async () => {
      await plugins.close();
    });

    it('hands the plug-in an object `data` (a common quirk) as its JSON text, within the bus contract', async () => {
      const cp = await booted();
      await api(ocpp(), 'PUT', `/api/v1/stations/${cp.identity}`, { validationPolicy: 'lenient' });
      await eventually(async () => (await cp.call('DataTransfer', { vendorId: 'x', data: {} as never }, { skipSchemaValidation: true }) as { code?: string }).code === undefined);
      const answer = await cp.call('DataTransfer', { vendorId: 'com.example.wallbox', messageId: 'Meter', data: { power: 11 } as never }, { skipSchemaValidation: true });
      expect(answer).toEqual({ status: 'Accepted', data: 'got {"power":11}' });
      expect(asked.at(-1)).toMatchObject({ stationId: cp.identity, vendorId: 'com.example.wallbox', messageId: 'Meter', data: '{"power":11}' });
    });
  });
});
