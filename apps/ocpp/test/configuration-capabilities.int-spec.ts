import { eventually } from '@cpo/testing';
import { StationRepository } from '../src/stations/station.repository.js';
import { api, ocppSuite, uniqueStation } from './harness.js';
import { configurationAnswer, DERIVED_AT_ONBOARDING, ONBOARDING_KEYS } from './configuration-fixtures.js';

/**
 * The smart-charging capabilities derived from a charger's configuration follow every answer that
 * reports the keys they come from, not only the full read at onboarding: a partial GetConfiguration
 * updates those it reports and removes those the charger answers unknown, an accepted ChangeConfiguration
 * updates its own; the others, and what smart charging learned from refusals, stay as they are.
 */
describe('derived capabilities kept in step with partial GetConfiguration and ChangeConfiguration answers', () => {
  const { ocpp, booted, command } = ocppSuite();

  const onboarding = ONBOARDING_KEYS;
  const derivedAtOnboarding = DERIVED_AT_ONBOARDING;
  const learned = { wholeAmperesOnly: true, chargePointMaxProfileRefused: true };

  /**
   * A charger answering GetConfiguration (keys compared without case, `unknownKey` for those it
   * lacks) and ChangeConfiguration (`changeStatus`) from `config`, onboarded with it, and with
   * quirks learned since.
   */
  async function onboarded(changeStatus: 'Accepted' | 'RebootRequired' | 'Rejected' = 'Accepted') {
    const config = new Map(Object.entries(onboarding));
    const find = (key: string) => [...config.keys()].find((k) => k.toLowerCase() === key.toLowerCase());
    const cp = await booted(uniqueStation('CAPCFG'), (c) => {
      c.handle('GetConfiguration', (req) => {
        return configurationAnswer(config, req.key ?? [], true);
      });
      c.handle('ChangeConfiguration', (req) => {
        const key = find(req.key);
        if (!key) return { status: 'NotSupported' };
        if (changeStatus !== 'Rejected') config.set(key, req.value);
        return { status: changeStatus };
      });
    });
    const repository = ocpp().app.app.get(StationRepository);
    expect(await eventually(async () => (await repository.capabilities(cp.identity)).maxChargingProfilesInstalled === 10)).toBe(true);
    await repository.learnCapabilities(cp.identity, learned);
    const stored = () => repository.capabilities(cp.identity);
    const shown = async () => (await api(ocpp(), 'GET', `/api/v1/stations/${cp.identity}`)).body?.capabilities as Record<string, unknown>;
    return { cp, config, stored, shown };
  }

  it('a partial read updates the capabilities of the keys it reports, whatever their case, and only those', async () => {
    const { cp, config, stored, shown } = await onboarded();
    config.set('ChargeProfileMaxStackLevel', '3');
    config.set('ChargingScheduleAllowedChargingRateUnit', 'Power');
    config.set('ChargingScheduleMaxPeriods', '5'); // changed too, but not asked: its capability stays
    const read = await command(cp.identity, 'GetConfiguration', { key: ['chargeprofilemaxstacklevel', 'ChargingScheduleAllowedChargingRateUnit'] });
    expect(read.status).toBe(200);
    const expected = { ...derivedAtOnboarding, ...learned, chargeProfileMaxStackLevel: 3, allowedChargingRateUnits: ['W'] };
    expect(await stored()).toEqual(expected);
    expect(await shown()).toEqual(expected);
  });

  it('a key reported without a usable value keeps its capability as stored', async () => {
    const { cp, config, stored } = await onboarded();
    config.set('ChargeProfileMaxStackLevel', 'many');
    config.set('ChargingScheduleAllowedChargingRateUnit', 'Watts');
    expect((await command(cp.identity, 'GetConfiguration', { key: ['ChargeProfileMaxStackLevel', 'ChargingScheduleAllowedChargingRateUnit'] })).status).toBe(200);
    expect(await stored()).toEqual({ ...derivedAtOnboarding, ...learned });
  });

  it('a key asked for and answered unknown removes its capability, only that one', async () => {
    const { cp, config, stored, shown } = await onboarded();
    config.delete('MaxChargingProfilesInstalled'); // a firmware update dropped it
    config.delete('HeartbeatInterval');
    const read = await command(cp.identity, 'GetConfiguration', { key: ['maxchargingprofilesinstalled', 'HeartbeatInterval', 'ChargingScheduleMaxPeriods'] });
    expect(read.body.payload).toMatchObject({ unknownKey: ['maxchargingprofilesinstalled', 'HeartbeatInterval'] });
    const { maxChargingProfilesInstalled: _, ...expected } = { ...derivedAtOnboarding, ...learned };
    expect(await stored()).toEqual(expected);
    expect(await shown()).toEqual(expected);
  });

  it('two partial answers stored at once both land', async () => {
    const { cp, config, stored } = await onboarded();
    config.set('ChargeProfileMaxStackLevel', '2');
    config.set('ChargingScheduleMaxPeriods', '12');
    config.delete('SupportedFeatureProfiles');
    const reads = await Promise.all([
      command(cp.identity, 'GetConfiguration', { key: ['ChargeProfileMaxStackLevel'] }),
      command(cp.identity, 'GetConfiguration', { key: ['ChargingScheduleMaxPeriods'] }),
      command(cp.identity, 'GetConfiguration', { key: ['SupportedFeatureProfiles'] }),
    ]);
    expect(reads.map((r) => r.status)).toEqual([200, 200, 200]);
    const { supportedFeatureProfiles: _, ...rest } = derivedAtOnboarding;
    expect(await stored()).toEqual({ ...rest, ...learned, chargeProfileMaxStackLevel: 2, chargingScheduleMaxPeriods: 12 });
  });

  it('an accepted ChangeConfiguration of a capability key updates its capability, whatever the case typed', async () => {
    const { cp, stored, shown } = await onboarded('Accepted');
    expect((await command(cp.identity, 'ChangeConfiguration', { key: 'chargeprofilemaxstacklevel', value: '4' })).body.payload).toEqual({ status: 'Accepted' });
    expect((await command(cp.identity, 'ChangeConfiguration', { key: 'ChargingScheduleAllowedChargingRateUnit', value: 'Current,Power' })).body.payload).toEqual({ status: 'Accepted' });
    expect((await command(cp.identity, 'ChangeConfiguration', { key: 'HeartbeatInterval', value: '60' })).body.payload).toEqual({ status: 'Accepted' });
    const expected = { ...derivedAtOnboarding, ...learned, chargeProfileMaxStackLevel: 4, allowedChargingRateUnits: ['A', 'W'] };
    expect(await stored()).toEqual(expected);
    expect(await shown()).toEqual(expected);
  });

  // Until the charger's reboot, which applies it (configuration-reboot.int-spec.ts).
  it('a ChangeConfiguration answered RebootRequired does not update it yet; a rejected one does not either', async () => {
    const reboot = await onboarded('RebootRequired');
    expect((await command(reboot.cp.identity, 'ChangeConfiguration', { key: 'MaxChargingProfilesInstalled', value: '20' })).body.payload).toEqual({ status: 'RebootRequired' });
    expect(await reboot.stored()).toEqual({ ...derivedAtOnboarding, ...learned });
    const rejected = await onboarded('Rejected');
    expect((await command(rejected.cp.identity, 'ChangeConfiguration', { key: 'MaxChargingProfilesInstalled', value: '20' })).body.payload).toEqual({ status: 'Rejected' });
    expect(await rejected.stored()).toEqual({ ...derivedAtOnboarding, ...learned });
  });

  it('a partial read of NumberOfConnectors stores the count, as before', async () => {
    const { cp, config, stored } = await onboarded();
    config.set('NumberOfConnectors', '3');
    expect((await command(cp.identity, 'GetConfiguration', { key: ['NumberOfConnectors'] })).status).toBe(200);
    expect(await stored()).toEqual({ ...derivedAtOnboarding, ...learned, numberOfConnectors: 3 });
  });

  it('a full read still replaces every derived capability and keeps the learned ones', async () => {
    const { cp, config, stored } = await onboarded();
    config.delete('MaxChargingProfilesInstalled');
    config.set('ChargeProfileMaxStackLevel', '1');
    expect((await command(cp.identity, 'GetConfiguration', {})).status).toBe(200);
    const { maxChargingProfilesInstalled: _, ...rest } = derivedAtOnboarding;
    expect(await stored()).toEqual({ ...rest, ...learned, chargeProfileMaxStackLevel: 1 });
  });
});
