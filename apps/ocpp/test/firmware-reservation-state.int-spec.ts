import { OcppCallError } from '@cpo/ocpp-protocol';
import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { api, ocppSuite, send } from './harness.js';

const now = () => new Date().toISOString();
const later = (ms: number) => new Date(Date.now() + ms).toISOString();

/**
 * State an operator sees after a charger's silence: a firmware update whose `Installed` never came
 * (the charger rebooted into the new firmware and only booted), and a reservation whose refused
 * replacement (same reservationId, OCPP 1.6 §5.13) must leave the one the charger still holds.
 */
describe('OCPP firmware and reservation state (review)', () => {
  const { ocpp, booted, command } = ocppSuite();
  const station = async (id: string) => (await api(ocpp(), 'GET', `/api/v1/stations/${id}`)).body;
  const reservations = async (stationId: string) => (await api(ocpp(), 'GET', `/api/v1/reservations?stationId=${stationId}`)).body.items as Record<string, unknown>[];
  const boot = (cp: ChargePoint16, firmwareVersion: string) => send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1', firmwareVersion });

  describe('a boot after an UpdateFirmware', () => {
    const update = { location: 'https://fw.example.com/s1-2.0.bin', retrieveDate: later(60_000) };
    const updating = async () => {
      const cp = await booted(undefined, (c) => c.handle('UpdateFirmware', () => ({})));
      await boot(cp, '1.0');
      expect((await command(cp.identity, 'UpdateFirmware', update)).status).toBe(200);
      expect((await station(cp.identity)).firmware_request).toMatchObject({ firmwareVersionBefore: '1.0', status: null });
      return cp;
    };

    it('with a new firmwareVersion after Installing records the request Installed, inferred from the boot', async () => {
      const cp = await updating();
      for (const status of ['Downloading', 'Downloaded', 'Installing'] as const) await send(cp, 'FirmwareStatusNotification', { status });
      await boot(cp, '2.0');
      const shown = await station(cp.identity);
      expect(shown).toMatchObject({ firmware_version: '2.0', firmware_status: 'Installed', firmware_request: { status: 'Installed', installedInferredFromBoot: true } });
      // A later Idle (triggered) does not hide the outcome; a reboot on the same version changes nothing.
      await send(cp, 'FirmwareStatusNotification', { status: 'Idle' });
      await boot(cp, '2.0');
      expect((await station(cp.identity)).firmware_request).toMatchObject({ status: 'Installed', installedInferredFromBoot: true });
      // The charger's own report, late, replaces the inference.
      await send(cp, 'FirmwareStatusNotification', { status: 'Installed' });
      const reported = (await station(cp.identity)).firmware_request;
      expect(reported).toMatchObject({ status: 'Installed' });
      expect(reported.installedInferredFromBoot).toBeUndefined();
    });

    it('with a new firmwareVersion and no status since the request (or Downloaded) also infers Installed', async () => {
      const silent = await updating();
      await boot(silent, '2.0');
      expect((await station(silent.identity)).firmware_request).toMatchObject({ status: 'Installed', installedInferredFromBoot: true });

      const downloaded = await updating();
      await send(downloaded, 'FirmwareStatusNotification', { status: 'Downloaded' });
      await boot(downloaded, '2.0');
      expect((await station(downloaded.identity)).firmware_request).toMatchObject({ status: 'Installed', installedInferredFromBoot: true });
    });

    it('with the same firmwareVersion after Installing leaves it Installing (no guessed failure); a failed download stays failed', async () => {
      const same = await updating();
      await send(same, 'FirmwareStatusNotification', { status: 'Installing' });
      await boot(same, '1.0');
      const shown = (await station(same.identity)).firmware_request;
      expect(shown).toMatchObject({ status: 'Installing' });
      expect(shown.installedInferredFromBoot).toBeUndefined();
      // The charger then reports it itself: shown as reported.
      await send(same, 'FirmwareStatusNotification', { status: 'Installed' });
      expect((await station(same.identity)).firmware_request).toMatchObject({ status: 'Installed' });

      const failed = await updating();
      await send(failed, 'FirmwareStatusNotification', { status: 'DownloadFailed' });
      await boot(failed, '2.0');
      const after = (await station(failed.identity)).firmware_request;
      expect(after).toMatchObject({ status: 'DownloadFailed' });
      expect(after.installedInferredFromBoot).toBeUndefined();
    });

    it('a signed update (security extension) rebooting into the new firmware after InstallRebooting is Installed too', async () => {
      const cp = await booted(undefined, (c) => c.handle('SignedUpdateFirmware', () => ({ status: 'Accepted' })));
      await boot(cp, '1.0');
      const signed = {
        requestId: 31,
        firmware: { location: 'https://fw.example.com/s1-2.0.bin', retrieveDateTime: later(60_000), signingCertificate: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----', signature: 'c2lnbmF0dXJl' },
      };
      expect((await command(cp.identity, 'SignedUpdateFirmware', signed)).status).toBe(200);
      await send(cp, 'SignedFirmwareStatusNotification', { status: 'InstallRebooting', requestId: 31 });
      await boot(cp, '2.0');
      expect(await station(cp.identity)).toMatchObject({ firmware_status: 'Installed', firmware_request: { requestId: 31, status: 'Installed', installedInferredFromBoot: true } });
    });
  });

  describe('a ReserveNow replacing a live reservation (same reservationId)', () => {
    it('refused by the charger leaves the held reservation as it was, and the refused request in the history', async () => {
      let answer = 'Accepted';
      const cp = await booted(undefined, (c) => c.handle('ReserveNow', () => ({ status: answer as 'Accepted' })));
      const held = { connectorId: 1, expiryDate: later(600_000), idTag: 'RSV-HELD', reservationId: 1_766_000_450 };
      expect((await command(cp.identity, 'ReserveNow', held)).status).toBe(200);
      const [before] = await reservations(cp.identity);

      answer = 'Occupied';
      const replacement = { ...held, connectorId: 2, expiryDate: later(1_200_000), idTag: 'RSV-NEW' };
      expect((await command(cp.identity, 'ReserveNow', replacement)).body).toEqual({ status: 'ok', payload: { status: 'Occupied' } });
      expect(await reservations(cp.identity)).toEqual([
        expect.objectContaining({ reservationId: held.reservationId, connectorId: 2, idTag: 'RSV-NEW', status: 'Occupied' }),
        { ...before, status: 'Accepted' },
      ]);
      expect(Date.parse((await reservations(cp.identity))[1]!['expiryDate'] as string)).toBe(Date.parse(held.expiryDate));

      // Still held: a start naming it uses the original (its tag), and a later accepted replacement replaces it.
      const started = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'RSV-HELD', meterStart: 0, timestamp: now(), reservationId: held.reservationId });
      expect((await reservations(cp.identity))[1]).toMatchObject({ idTag: 'RSV-HELD', status: 'Used', transactionId: started.transactionId });
    });

    it('that never reached the charger (CallError) leaves it held too; an accepted one still replaces it in place', async () => {
      let fail = true;
      const cp = await booted(undefined, (c) =>
        c.handle('ReserveNow', () => {
          if (fail) throw new OcppCallError('InternalError', 'busy', {});
          return { status: 'Accepted' };
        }),
      );
      const held = { connectorId: 1, expiryDate: later(600_000), idTag: 'RSV-KEEP', reservationId: 1_766_000_451 };
      fail = false;
      await command(cp.identity, 'ReserveNow', held);
      fail = true;
      expect((await command(cp.identity, 'ReserveNow', { ...held, idTag: 'RSV-LOST' })).status).toBe(502);
      expect(await reservations(cp.identity)).toEqual([
        expect.objectContaining({ idTag: 'RSV-LOST', status: 'Failed' }),
        expect.objectContaining({ idTag: 'RSV-KEEP', status: 'Accepted', connectorId: 1 }),
      ]);

      fail = false;
      await command(cp.identity, 'ReserveNow', { ...held, idTag: 'RSV-TAKEN' });
      expect((await reservations(cp.identity)).map((r) => [r['idTag'], r['status']])).toEqual([
        ['RSV-LOST', 'Failed'],
        ['RSV-TAKEN', 'Accepted'],
      ]);
    });
  });
});
