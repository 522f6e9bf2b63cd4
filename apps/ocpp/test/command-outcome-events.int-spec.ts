import { Subjects } from '@cpo/contracts';
import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { ocppSuite, send } from './harness.js';

const now = () => new Date().toISOString();
const later = (ms: number) => new Date(Date.now() + ms).toISOString();

/**
 * Late outcomes of operator commands on the bus (guide §4.3): a back office learns them from these
 * events instead of polling the REST views.
 */
describe('late command outcomes as events', () => {
  const { ocpp, booted, command } = ocppSuite({ OCPP_REMOTE_START_TIMEOUT_S: '1' });
  const events = (subject: string, stationId: string) => ocpp().events.of(subject, stationId);
  const arrived = (subject: string, stationId: string, count: number) => eventually(async () => events(subject, stationId).length >= count, 8000);

  describe('ocpp.remote-start.settled', () => {
    it('Rejected by the charger', async () => {
      const cp = await booted(undefined, (c) => c.handle('RemoteStartTransaction', () => ({ status: 'Rejected' })));
      expect((await command(cp.identity, 'RemoteStartTransaction', { idTag: 'TAG-R', connectorId: 1 })).status).toBe(200);
      expect(await arrived(Subjects.OcppRemoteStartSettled, cp.identity, 1)).toBe(true);
      expect(events(Subjects.OcppRemoteStartSettled, cp.identity)).toEqual([
        { remoteStartId: expect.any(Number), stationId: cp.identity, connectorId: 1, idTag: 'TAG-R', status: 'Rejected', requestedAt: expect.any(String), settledAt: expect.any(String) },
      ]);
    });

    it('Started with its transaction', async () => {
      const cp = await booted(undefined, (c) => {
        c.handle('RemoteStartTransaction', () => ({ status: 'Accepted' }));
        c.after('RemoteStartTransaction', async (req) => {
          await c.call('StartTransaction', { connectorId: 1, idTag: req.idTag, meterStart: 0, timestamp: now() });
        });
      });
      await command(cp.identity, 'RemoteStartTransaction', { idTag: 'TAG-S' });
      expect(await arrived(Subjects.OcppRemoteStartSettled, cp.identity, 1)).toBe(true);
      const [started] = ocpp().events.of(Subjects.OcppTransactionStarted, cp.identity);
      expect(events(Subjects.OcppRemoteStartSettled, cp.identity)).toEqual([
        expect.objectContaining({ status: 'Started', idTag: 'TAG-S', transactionId: started!['transactionId'] }),
      ]);
      expect(events(Subjects.OcppRemoteStartSettled, cp.identity)[0]).not.toHaveProperty('connectorId');
    });

    it('TimedOut, then Started again by a late StartTransaction (previousStatus TimedOut)', async () => {
      const cp = await booted(undefined, (c) => c.handle('RemoteStartTransaction', () => ({ status: 'Accepted' })));
      await command(cp.identity, 'RemoteStartTransaction', { idTag: 'TAG-T', connectorId: 2 });
      expect(await arrived(Subjects.OcppRemoteStartSettled, cp.identity, 1)).toBe(true);
      const [timedOut] = events(Subjects.OcppRemoteStartSettled, cp.identity);
      expect(timedOut).toMatchObject({ status: 'TimedOut', connectorId: 2 });
      expect(timedOut).not.toHaveProperty('transactionId');
      const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 2, idTag: 'TAG-T', meterStart: 0, timestamp: now() });
      expect(await arrived(Subjects.OcppRemoteStartSettled, cp.identity, 2)).toBe(true);
      expect(events(Subjects.OcppRemoteStartSettled, cp.identity)[1]).toEqual({
        ...timedOut,
        status: 'Started',
        transactionId,
        previousStatus: 'TimedOut',
        settledAt: expect.any(String),
      });
    });
  });

  describe('ocpp.reservation.updated', () => {
    it('Accepted, refused, Used with its transaction, Cancelled; NotHeld; Faulted by a status', async () => {
      const cp = await booted(undefined, (c) => {
        c.handle('ReserveNow', (req) => ({ status: req.connectorId === 2 ? 'Occupied' : 'Accepted' }));
        c.handle('CancelReservation', (req) => ({ status: req.reservationId === 9_900_001 ? 'Rejected' : 'Accepted' }));
      });
      const reserve = async (connectorId: number, reservationId?: number) =>
        (await command(cp.identity, 'ReserveNow', { connectorId, idTag: 'TAG-V', expiryDate: later(600_000), ...(reservationId ? { reservationId } : {}) })).status;
      expect(await reserve(1)).toBe(200);
      expect(await reserve(2)).toBe(200);
      expect(await arrived(Subjects.OcppReservationUpdated, cp.identity, 2)).toBe(true);
      const [accepted, occupied] = events(Subjects.OcppReservationUpdated, cp.identity);
      expect(accepted).toEqual({
        stationId: cp.identity,
        reservationId: expect.any(Number),
        connectorId: 1,
        idTag: 'TAG-V',
        expiryDate: expect.any(String),
        status: 'Accepted',
        updatedAt: expect.any(String),
      });
      expect(occupied).toMatchObject({ connectorId: 2, status: 'Occupied' });

      const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'TAG-V', meterStart: 0, timestamp: now(), reservationId: accepted!['reservationId'] as number });
      expect(await arrived(Subjects.OcppReservationUpdated, cp.identity, 3)).toBe(true);
      expect(events(Subjects.OcppReservationUpdated, cp.identity)[2]).toMatchObject({ reservationId: accepted!['reservationId'], status: 'Used', transactionId });

      expect(await reserve(3, 9_900_001)).toBe(200);
      await command(cp.identity, 'CancelReservation', { reservationId: 9_900_001 });
      expect(await arrived(Subjects.OcppReservationUpdated, cp.identity, 5)).toBe(true);
      expect(events(Subjects.OcppReservationUpdated, cp.identity).slice(3).map((e) => e['status'])).toEqual(['Accepted', 'NotHeld']);

      expect(await reserve(4)).toBe(200);
      await send(cp, 'StatusNotification', { connectorId: 4, status: 'Faulted', errorCode: 'GroundFailure', timestamp: now() });
      expect(await arrived(Subjects.OcppReservationUpdated, cp.identity, 7)).toBe(true);
      expect(events(Subjects.OcppReservationUpdated, cp.identity).slice(5).map((e) => [e['connectorId'], e['status']])).toEqual([
        [4, 'Accepted'],
        [4, 'Faulted'],
      ]);
    });
  });

  describe('ocpp.firmware.status and ocpp.diagnostics.status', () => {
    const bootWith = (cp: ChargePoint16, firmwareVersion: string) => send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1', firmwareVersion });

    it('each FirmwareStatusNotification with its request, and the Installed inferred from a boot', async () => {
      const cp = await booted(undefined, (c) => c.handle('UpdateFirmware', () => ({})));
      await bootWith(cp, '1.0');
      // A status before any request of ours belongs to none.
      await send(cp, 'FirmwareStatusNotification', { status: 'Idle' });
      expect((await command(cp.identity, 'UpdateFirmware', { location: 'https://fw.example.com/s1-2.0.bin', retrieveDate: now() })).status).toBe(200);
      await send(cp, 'FirmwareStatusNotification', { status: 'Installing' });
      await bootWith(cp, '2.0');
      expect(await arrived(Subjects.OcppFirmwareStatus, cp.identity, 3)).toBe(true);
      const [idle, installing, installed] = events(Subjects.OcppFirmwareStatus, cp.identity);
      expect(idle).toEqual({ stationId: cp.identity, status: 'Idle', statusAt: expect.any(String) });
      expect(installing).toEqual({ stationId: cp.identity, status: 'Installing', requestedAt: expect.any(String), statusAt: expect.any(String) });
      expect(installed).toEqual({ ...installing, status: 'Installed', inferredFromBoot: true, statusAt: expect.any(String) });
    });

    it('each DiagnosticsStatusNotification with its request', async () => {
      const cp = await booted(undefined, (c) => c.handle('GetDiagnostics', () => ({ fileName: 'diag.zip' })));
      expect((await command(cp.identity, 'GetDiagnostics', { location: 'ftp://diag.example.com/' })).status).toBe(200);
      await send(cp, 'DiagnosticsStatusNotification', { status: 'Uploaded' });
      expect(await arrived(Subjects.OcppDiagnosticsStatus, cp.identity, 1)).toBe(true);
      expect(events(Subjects.OcppDiagnosticsStatus, cp.identity)).toEqual([
        { stationId: cp.identity, status: 'Uploaded', requestedAt: expect.any(String), statusAt: expect.any(String) },
      ]);
    });
  });
});
