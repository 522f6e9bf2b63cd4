import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { StationConfigurationRepository } from '../src/stations/station-configuration.repository.js';
import { StationRepository } from '../src/stations/station.repository.js';
import { api, ocppSuite, send, uniqueStation } from './harness.js';
import { onlineProfileCharger, planOn, smartChargingService } from './smart-charging-harness.js';
import { configurationAnswer, DERIVED_AT_ONBOARDING, ONBOARDING_KEYS } from './configuration-fixtures.js';

/**
 * A ChangeConfiguration answered `RebootRequired` is accepted but only takes effect when the charger
 * reboots (OCPP 1.6 §5.3): the capability it changes stays as it was until the next boot, which
 * then re-reads the keys capabilities come from. So does the boot after a Reset we sent, and a
 * FirmwareStatusNotification `Installed` makes the next boot read the whole configuration again. Any
 * other boot of an onboarded charger sends no GetConfiguration (a fleet booting at once).
 */
describe('configuration changes that take effect at the reboot', () => {
  const { ocpp, booted, command } = ocppSuite();

  const onboarding = ONBOARDING_KEYS;
  const derivedAtOnboarding = DERIVED_AT_ONBOARDING;

  /**
   * A charger with `config` as its configuration (the one it runs and reports), answering
   * ChangeConfiguration `changeStatus`: a `RebootRequired` change goes to `afterReboot`, which
   * `reboot()` makes its configuration, as a real charger does. `reads` records every
   * GetConfiguration it got (the keys asked; [] for the whole configuration).
   */
  async function onboarded(changeStatus: 'Accepted' | 'RebootRequired' = 'RebootRequired') {
    const identity = uniqueStation('CAPBOOT');
    const config = new Map(Object.entries(onboarding));
    const afterReboot = new Map<string, string>();
    const reads: string[][] = [];
    /** `failReads`: answers GetConfiguration with a CallError (busy after its boot). */
    const behaviour = { failReads: false };
    const find = (key: string) => [...config.keys()].find((k) => k.toLowerCase() === key.toLowerCase());
    const setup = (c: ChargePoint16) => {
      c.handle('GetConfiguration', (req) => {
        const asked = req.key ?? [];
        reads.push(asked);
        if (behaviour.failReads) throw new Error('busy');
        return configurationAnswer(config, asked);
      });
      c.handle('ChangeConfiguration', (req) => {
        const key = find(req.key);
        if (!key) return { status: 'NotSupported' };
        if (changeStatus === 'RebootRequired') afterReboot.set(key, req.value);
        else config.set(key, req.value);
        return { status: changeStatus };
      });
      c.handle('Reset', () => ({ status: 'Accepted' }));
    };
    let cp = await booted(identity, setup);
    const repository = ocpp().app.app.get(StationRepository);
    const stored = () => repository.capabilities(identity);
    expect(await eventually(async () => (await stored()).maxChargingProfilesInstalled === 10)).toBe(true);
    expect(reads).toEqual([[]]);
    /** A reboot: the connection drops, the charger comes back with what it was told to take, and boots (same details). */
    const reboot = async () => {
      await cp.stop();
      for (const [key, value] of afterReboot) config.set(key, value);
      afterReboot.clear();
      cp = await booted(identity, setup);
    };
    return { identity, cp: () => cp, config, afterReboot, reads, behaviour, stored, reboot };
  }

  /** The after-boot steps (the re-read among them) run after the boot's answer: settled once `check` holds. */
  const settles = (check: () => Promise<boolean>) => eventually(check);

  it('a RebootRequired change keeps the capability until the reboot, which re-reads the capability keys', async () => {
    const station = await onboarded('RebootRequired');
    const changed = await command(station.identity, 'ChangeConfiguration', { key: 'chargeprofilemaxstacklevel', value: '3' });
    expect(changed.body.payload).toEqual({ status: 'RebootRequired' });
    const rate = await command(station.identity, 'ChangeConfiguration', { key: 'ChargingScheduleAllowedChargingRateUnit', value: 'Power' });
    expect(rate.body.payload).toEqual({ status: 'RebootRequired' });
    // Profiles until the reboot are built for what the charger runs.
    expect(await station.stored()).toEqual(derivedAtOnboarding);

    await station.reboot();
    expect(await settles(async () => (await station.stored()).chargeProfileMaxStackLevel === 3)).toBe(true);
    expect(await station.stored()).toEqual({ ...derivedAtOnboarding, chargeProfileMaxStackLevel: 3, allowedChargingRateUnits: ['W'] });
    // One partial read, of the keys capabilities come from, not the whole configuration (it follows the boot's answer).
    expect(await settles(async () => station.reads.length === 2)).toBe(true);
    expect(station.reads).toHaveLength(2);
    expect(station.reads[1]!.map((k) => k.toLowerCase()).sort()).toEqual(
      ['ChargeProfileMaxStackLevel', 'ChargingScheduleAllowedChargingRateUnit', 'ChargingScheduleMaxPeriods', 'MaxChargingProfilesInstalled', 'NumberOfConnectors', 'SupportedFeatureProfiles'].map((k) => k.toLowerCase()).sort(),
    );

    // Done once: the next boot reads nothing. The read is marked done after its answer is applied
    // (a reboot before that would read again, rightly): wait for the mark, not only the answer.
    const configuration = ocpp().app.app.get(StationConfigurationRepository);
    expect(await settles(async () => (await configuration.configurationState(station.identity)).rereadSince === undefined)).toBe(true);
    await station.reboot();
    await new Promise((r) => setTimeout(r, 300));
    expect(station.reads).toHaveLength(2);
  });

  it('what the charger reports after the reboot wins over the value it was asked to take', async () => {
    const station = await onboarded('RebootRequired');
    expect((await command(station.identity, 'ChangeConfiguration', { key: 'MaxChargingProfilesInstalled', value: '20' })).body.payload).toEqual({ status: 'RebootRequired' });
    expect(await station.stored()).toEqual(derivedAtOnboarding);
    // This firmware caps the value it was given at 16.
    station.afterReboot.set('MaxChargingProfilesInstalled', '16');
    await station.reboot();
    expect(await settles(async () => (await station.stored()).maxChargingProfilesInstalled === 16)).toBe(true);
  });

  it('the reboot applies the change though the re-read fails; the re-read is retried at the next boot', async () => {
    const station = await onboarded('RebootRequired');
    expect((await command(station.identity, 'ChangeConfiguration', { key: 'ChargeProfileMaxStackLevel', value: '3' })).body.payload).toEqual({ status: 'RebootRequired' });
    station.afterReboot.set('ChargeProfileMaxStackLevel', '2'); // takes 2 of the 3 it was given
    station.behaviour.failReads = true;
    await station.reboot();
    // Asked after the boot (and, when the connection's own check ran after the boot was recorded, once more on that step: both refused).
    expect(await settles(async () => station.reads.length >= 2)).toBe(true);
    // What it answered RebootRequired for, until it says otherwise.
    expect(await settles(async () => (await station.stored()).chargeProfileMaxStackLevel === 3)).toBe(true);
    const failed = station.reads.length;
    station.behaviour.failReads = false;
    await station.reboot();
    expect(await settles(async () => (await station.stored()).chargeProfileMaxStackLevel === 2)).toBe(true);
    expect(station.reads.length).toBeGreaterThan(failed);
    // Partial reads only: never the whole configuration again.
    expect(station.reads.slice(1).every((keys) => keys.length > 0)).toBe(true);
  });

  it('an accepted change still applies at once and makes no boot re-read', async () => {
    const station = await onboarded('Accepted');
    expect((await command(station.identity, 'ChangeConfiguration', { key: 'ChargeProfileMaxStackLevel', value: '4' })).body.payload).toEqual({ status: 'Accepted' });
    expect(await station.stored()).toEqual({ ...derivedAtOnboarding, chargeProfileMaxStackLevel: 4 });
    await station.reboot();
    await new Promise((r) => setTimeout(r, 300));
    expect(station.reads).toEqual([[]]);
  });

  it('the boot after an accepted Reset re-reads the capability keys (changed meanwhile on the charger itself)', async () => {
    const station = await onboarded();
    expect((await command(station.identity, 'Reset', { type: 'Soft' })).body.payload).toEqual({ status: 'Accepted' });
    station.config.set('ChargingScheduleMaxPeriods', '6'); // set on the charger's own web page, taken at the reset
    await station.reboot();
    expect(await settles(async () => (await station.stored()).chargingScheduleMaxPeriods === 6)).toBe(true);
    expect(station.reads).toHaveLength(2);
    expect(station.reads[1]!.length).toBeGreaterThan(0);
  });

  it('the boot after FirmwareStatusNotification Installed reads the whole configuration again, even with the same firmwareVersion', async () => {
    const station = await onboarded();
    await send(station.cp(), 'FirmwareStatusNotification', { status: 'Installed' });
    station.config.delete('MaxChargingProfilesInstalled'); // the new firmware has no such key
    station.config.set('ChargeProfileMaxStackLevel', '2');
    await station.reboot();
    expect(await settles(async () => (await station.stored()).chargeProfileMaxStackLevel === 2)).toBe(true);
    const { maxChargingProfilesInstalled: _, ...rest } = derivedAtOnboarding;
    expect(await station.stored()).toEqual({ ...rest, chargeProfileMaxStackLevel: 2 });
    expect(station.reads).toEqual([[], []]);
  });
});

describe('profiles sent between a RebootRequired change and the reboot', () => {
  const { h, chargers } = smartChargingService();

  it('are built for what the charger runs: the allowed unit it takes at its reboot only after it', async () => {
    const c = await onlineProfileCharger(h(), chargers, { NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '2' }, { prefix: 'SCBOOT', composite: false });
    let runs = 'Current';
    let afterReboot = runs;
    c.cp.handle('GetConfiguration', (req) => ({
      configurationKey: [['ChargingScheduleAllowedChargingRateUnit', runs], ['NumberOfConnectors', '1'], ['ChargeProfileMaxStackLevel', '2'], ['ChargingScheduleMaxPeriods', '24']]
        .filter(([k]) => !req.key?.length || req.key.some((w) => w.toLowerCase() === k!.toLowerCase()))
        .map(([key, value]) => ({ key: key!, value: value!, readonly: false })),
    }));
    c.cp.handle('ChangeConfiguration', (req) => {
      afterReboot = req.value;
      return { status: 'RebootRequired' };
    });
    const changed = await api(h(), 'POST', `/api/v1/stations/${c.cp.identity}/commands/ChangeConfiguration`, { key: 'ChargingScheduleAllowedChargingRateUnit', value: 'Power' });
    expect(changed.body.payload).toEqual({ status: 'RebootRequired' });
    await (await planOn(h(), c.cp.identity, [[1, 16]])).pass;
    expect(c.sets.at(-1)?.csChargingProfiles.chargingSchedule.chargingRateUnit).toBe('A');

    // The reboot (a BootNotification on the same connection here): now it runs Power only.
    runs = afterReboot;
    await send(c.cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'SC' });
    expect(await eventually(async () => (await api(h(), 'GET', `/api/v1/stations/${c.cp.identity}`)).body?.capabilities?.allowedChargingRateUnits?.[0] === 'W')).toBe(true);
    await (await planOn(h(), c.cp.identity, [[1, 10]])).pass;
    expect(c.sets.at(-1)?.csChargingProfiles.chargingSchedule.chargingRateUnit).toBe('W');
  });
});
