import { pendingChange, REREAD_KEYS, rereadAtBoot } from './reboot-reread.js';

describe('what a reboot re-reads', () => {
  it('a RebootRequired change and an accepted Reset re-read the capability keys; an Installed firmware the whole configuration', () => {
    expect(rereadAtBoot({ action: 'ChangeConfiguration', status: 'RebootRequired' })).toBe('keys');
    expect(rereadAtBoot({ action: 'Reset', status: 'Accepted' })).toBe('keys');
    expect(rereadAtBoot({ action: 'FirmwareStatus', status: 'Installed' })).toBe('whole');
  });

  it('anything else re-reads nothing at the boot', () => {
    for (const status of ['Accepted', 'Rejected', 'NotSupported']) expect(rereadAtBoot({ action: 'ChangeConfiguration', status })).toBeUndefined();
    expect(rereadAtBoot({ action: 'Reset', status: 'Rejected' })).toBeUndefined();
    for (const status of ['Downloading', 'Downloaded', 'Installing', 'InstallationFailed', 'DownloadFailed', 'Idle']) expect(rereadAtBoot({ action: 'FirmwareStatus', status })).toBeUndefined();
  });

  it('the keys re-read are exactly those capabilities derive from', () => {
    expect([...REREAD_KEYS].sort()).toEqual(
      ['ChargeProfileMaxStackLevel', 'ChargingScheduleAllowedChargingRateUnit', 'ChargingScheduleMaxPeriods', 'MaxChargingProfilesInstalled', 'NumberOfConnectors', 'SupportedFeatureProfiles'].sort(),
    );
  });
});

describe('a change pending until the reboot', () => {
  it('keeps the key as spelled and the capability the value will set', () => {
    expect(pendingChange('chargeprofilemaxstacklevel', '3')).toEqual({ keys: { chargeprofilemaxstacklevel: { readonly: false, value: '3' } }, capabilities: { chargeProfileMaxStackLevel: 3 } });
    expect(pendingChange('ChargingScheduleAllowedChargingRateUnit', 'Current,Power').capabilities).toEqual({ allowedChargingRateUnits: ['A', 'W'] });
  });

  it('a value no capability can use, or a key none derives from, sets none', () => {
    expect(pendingChange('ChargeProfileMaxStackLevel', 'many').capabilities).toEqual({});
    expect(pendingChange('HeartbeatInterval', '60')).toEqual({ keys: { HeartbeatInterval: { readonly: false, value: '60' } }, capabilities: {} });
  });
});
