import { ocppCommandSubject, OcppCommandReplyV1 } from '@cpo/contracts';
import { OcppCallError } from '@cpo/ocpp-protocol';
import { testServers } from '@cpo/testing';
import { connect } from '@nats-io/transport-node';
import { api, ocppSuite, send, uniqueStation } from './harness.js';

const now = () => new Date().toISOString();
const later = (ms: number) => new Date(Date.now() + ms).toISOString();

describe('OCPP reservations, firmware and diagnostics (review)', () => {
  const { ocpp, booted, command } = ocppSuite();

  const reservations = async (stationId: string) => (await api(ocpp(), 'GET', `/api/v1/reservations?stationId=${stationId}`)).body.items as Record<string, unknown>[];

  describe('a ReserveNow whose expiryDate is already past', () => {
    it('is a 400 naming expiryDate on every path (REST, offline station, bulk, bus), never sent nor recorded', async () => {
      let sent = 0;
      const cp = await booted(undefined, (c) => c.handle('ReserveNow', () => (sent++, { status: 'Accepted' })));
      for (const expiryDate of [later(-60_000), now(), '2020-01-01T00:00:00']) {
        const res = await command(cp.identity, 'ReserveNow', { connectorId: 1, expiryDate, idTag: 'PAST', reservationId: 1_765_700_301 });
        expect({ expiryDate, status: res.status, code: res.body.code }).toEqual({ expiryDate, status: 400, code: 'InvalidRequest' });
        expect(JSON.stringify(res.body)).toContain('expiryDate');
      }
      const offline = await command(uniqueStation('GONE'), 'ReserveNow', { connectorId: 1, expiryDate: later(-1_000), idTag: 'PAST' });
      expect(offline).toMatchObject({ status: 400, body: { code: 'InvalidRequest' } });

      const bulk = await api(ocpp(), 'POST', '/api/v1/commands/bulk', { stationIds: [cp.identity], action: 'ReserveNow', payload: { connectorId: 1, expiryDate: later(-1_000), idTag: 'PAST' } });
      expect(bulk.status).toBe(400);
      expect(JSON.stringify(bulk.body)).toContain('expiryDate');

      // The bus path reaches the executor directly: its own check refuses it there.
      const nc = await connect({ servers: testServers.nats });
      try {
        const request = { action: 'ReserveNow', payload: { connectorId: 1, expiryDate: later(-1_000), idTag: 'PAST' } };
        const msg = await nc.request(`${ocpp().app.prefix}.${ocppCommandSubject(cp.identity)}`, JSON.stringify(request), { timeout: 5000 });
        const reply = OcppCommandReplyV1.parse(JSON.parse(new TextDecoder().decode(msg.data)));
        expect(reply).toMatchObject({ status: 'error', code: 'InvalidRequest' });
        expect(JSON.stringify(reply)).toContain('expiryDate');
      } finally {
        await nc.close();
      }
      expect(sent).toBe(0);
      expect(await reservations(cp.identity)).toEqual([]);
      // A future one still goes out.
      expect((await command(cp.identity, 'ReserveNow', { connectorId: 1, expiryDate: later(600_000), idTag: 'SOON' })).status).toBe(200);
      expect(sent).toBe(1);
    });
  });

  describe('a reused reservation id', () => {
    it('a ReserveNow reusing the id of a Used reservation creates a new one and keeps the Used one with its transaction', async () => {
      const cp = await booted(undefined, (c) => c.handle('ReserveNow', () => ({ status: 'Accepted' })));
      const reserve = { connectorId: 1, expiryDate: later(600_000), idTag: 'RSV-REUSE', reservationId: 5 };
      expect((await command(cp.identity, 'ReserveNow', reserve)).status).toBe(200);
      const started = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'RSV-REUSE', meterStart: 0, timestamp: now(), reservationId: 5 });
      expect((await command(cp.identity, 'ReserveNow', { ...reserve, connectorId: 2, idTag: 'RSV-AGAIN' })).status).toBe(200);

      expect(await reservations(cp.identity)).toEqual([
        expect.objectContaining({ reservationId: 5, connectorId: 2, idTag: 'RSV-AGAIN', status: 'Accepted', transactionId: null }),
        expect.objectContaining({ reservationId: 5, connectorId: 1, idTag: 'RSV-REUSE', status: 'Used', transactionId: started.transactionId }),
      ]);

      // A ReserveNow with the id of the live one replaces it in place (OCPP 1.6 §5.13), and the next
      // start carrying the id uses the live one, never the history.
      expect((await command(cp.identity, 'ReserveNow', { ...reserve, connectorId: 2, idTag: 'RSV-THIRD' })).status).toBe(200);
      const second = await send(cp, 'StartTransaction', { connectorId: 2, idTag: 'RSV-THIRD', meterStart: 0, timestamp: now(), reservationId: 5 });
      expect(await reservations(cp.identity)).toEqual([
        expect.objectContaining({ reservationId: 5, idTag: 'RSV-THIRD', status: 'Used', transactionId: second.transactionId }),
        expect.objectContaining({ reservationId: 5, idTag: 'RSV-REUSE', status: 'Used', transactionId: started.transactionId }),
      ]);
    });

    it('a cancelled reservation stays Cancelled when its id is reserved again; a CancelReservation then cancels only the new one', async () => {
      const cp = await booted(undefined, (c) => {
        c.handle('ReserveNow', () => ({ status: 'Accepted' }));
        c.handle('CancelReservation', () => ({ status: 'Accepted' }));
      });
      const reserve = { connectorId: 1, expiryDate: later(600_000), idTag: 'RSV-CXL', reservationId: 1_765_700_302 };
      await command(cp.identity, 'ReserveNow', reserve);
      await command(cp.identity, 'CancelReservation', { reservationId: reserve.reservationId });
      await command(cp.identity, 'ReserveNow', reserve);
      expect((await reservations(cp.identity)).map((r) => r['status'])).toEqual(['Accepted', 'Cancelled']);
      await command(cp.identity, 'CancelReservation', { reservationId: reserve.reservationId });
      expect((await reservations(cp.identity)).map((r) => r['status'])).toEqual(['Cancelled', 'Cancelled']);
    });
  });

  describe('firmware and diagnostics statuses tied to their request', () => {
    const station = async (id: string) => (await api(ocpp(), 'GET', `/api/v1/stations/${id}`)).body;

    it('an accepted UpdateFirmware is shown with the station, with only the statuses received after it was sent', async () => {
      let refuse = true;
      const cp = await booted(undefined, (c) =>
        c.handle('UpdateFirmware', () => {
          if (refuse) throw new OcppCallError('InternalError', 'busy', {});
          return {};
        }),
      );
      // A status from an earlier update, then a request the charger refuses: no request of ours yet.
      await send(cp, 'FirmwareStatusNotification', { status: 'Installed' });
      const update = { location: 'https://fw.example.com/s1-3.0.bin', retrieveDate: later(60_000), retries: 2 };
      expect((await command(cp.identity, 'UpdateFirmware', update)).status).toBe(502);
      expect(await station(cp.identity)).toMatchObject({ firmware_status: 'Installed', firmware_request: null });

      refuse = false;
      const before = Date.now();
      expect((await command(cp.identity, 'UpdateFirmware', update)).status).toBe(200);
      const requested = (await station(cp.identity)).firmware_request;
      expect(requested).toEqual({ ...update, retryInterval: null, requestedAt: expect.any(String), firmwareVersionBefore: null, status: null, statusAt: null });
      expect(Date.parse(requested.requestedAt)).toBeGreaterThanOrEqual(before - 5);

      await send(cp, 'FirmwareStatusNotification', { status: 'Downloading' });
      const progressed = (await station(cp.identity)).firmware_request;
      expect(progressed).toMatchObject({ location: update.location, status: 'Downloading', statusAt: expect.stringMatching(/Z$/) });
      expect(Date.parse(progressed.statusAt)).toBeGreaterThanOrEqual(Date.parse(requested.requestedAt));
    });

    it('an accepted GetDiagnostics is shown with the file name the charger gave and the upload status after it', async () => {
      const cp = await booted(undefined, (c) => c.handle('GetDiagnostics', () => ({ fileName: 'diag-42.zip' })));
      await send(cp, 'DiagnosticsStatusNotification', { status: 'UploadFailed' });
      const request = { location: 'ftp://diag.example.com/upload', startTime: '2030-01-01T00:00:00Z' };
      expect((await command(cp.identity, 'GetDiagnostics', request)).body).toEqual({ status: 'ok', payload: { fileName: 'diag-42.zip' } });
      expect((await station(cp.identity)).diagnostics_request).toMatchObject({ ...request, stopTime: null, fileName: 'diag-42.zip', status: null, statusAt: null });
      await send(cp, 'DiagnosticsStatusNotification', { status: 'Uploaded' });
      expect((await station(cp.identity)).diagnostics_request).toMatchObject({ fileName: 'diag-42.zip', status: 'Uploaded', statusAt: expect.any(String) });
    });
  });
});
