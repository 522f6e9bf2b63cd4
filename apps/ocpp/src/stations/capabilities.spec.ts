import { capabilitiesChange, capabilitiesDerivedFrom, capabilitiesFrom, DERIVED_CAPABILITIES, LEARNED_CAPABILITIES } from './capabilities.js';
import { hashPassword, PasswordVerifier, passwordCandidates } from './password.js';

describe('capabilitiesFrom', () => {
  it('reads the smart-charging keys whatever the spelling of the rate unit', () => {
    const keys = [
      { key: 'NumberOfConnectors', readonly: true, value: '2' },
      { key: 'SupportedFeatureProfiles', readonly: true, value: 'Core, SmartCharging,RemoteTrigger' },
      { key: 'ChargeProfileMaxStackLevel', readonly: true, value: '3' },
      { key: 'ChargingScheduleAllowedChargingRateUnit', readonly: true, value: 'Current,Power,W' },
      { key: 'ChargingScheduleMaxPeriods', readonly: true, value: 'many' },
    ];
    expect(capabilitiesFrom(keys)).toEqual({
      numberOfConnectors: 2,
      supportedFeatureProfiles: ['Core', 'SmartCharging', 'RemoteTrigger'],
      chargeProfileMaxStackLevel: 3,
      allowedChargingRateUnits: ['A', 'W'],
    });
    expect(capabilitiesFrom([])).toEqual({});
  });
});

describe('capabilitiesDerivedFrom', () => {
  it('names the capabilities derived from these keys, whatever their case (CiString); other keys derive none', () => {
    expect(capabilitiesDerivedFrom(['chargeprofilemaxstacklevel', 'HeartbeatInterval', 'CHARGINGSCHEDULEALLOWEDCHARGINGRATEUNIT'])).toEqual(['chargeProfileMaxStackLevel', 'allowedChargingRateUnits']);
    expect(capabilitiesDerivedFrom(Object.values(DERIVED_CAPABILITIES)).sort()).toEqual(Object.keys(DERIVED_CAPABILITIES).sort());
    expect(capabilitiesDerivedFrom(['HeartbeatInterval'])).toEqual([]);
    expect(capabilitiesDerivedFrom([])).toEqual([]);
  });

  it('never names a learned capability', () => {
    const learned: readonly string[] = LEARNED_CAPABILITIES;
    expect(Object.keys(DERIVED_CAPABILITIES).filter((c) => learned.includes(c))).toEqual([]);
  });
});

describe('capabilitiesChange', () => {
  it('a partial answer sets only the capabilities whose key it reported with a usable value', () => {
    const change = capabilitiesChange([
      { key: 'chargeprofilemaxstacklevel', value: '3' },
      { key: 'ChargingScheduleAllowedChargingRateUnit', value: 'Power' },
      { key: 'ChargingScheduleMaxPeriods', value: 'many' },
      { key: 'MaxChargingProfilesInstalled' },
      { key: 'HeartbeatInterval', value: '60' },
    ]);
    expect(change).toEqual({ set: { chargeProfileMaxStackLevel: 3, allowedChargingRateUnits: ['W'] }, remove: [] });
  });

  it('a partial answer removes the capabilities of the keys listed unknown, only those', () => {
    const change = capabilitiesChange([{ key: 'NumberOfConnectors', value: '2' }], ['maxchargingprofilesinstalled', 'VendorKey', 'ChargeProfileMaxStackLevel']);
    expect(change).toEqual({ set: { numberOfConnectors: 2 }, remove: ['chargeProfileMaxStackLevel', 'maxChargingProfilesInstalled'] });
  });

  it('a key both reported with a usable value and listed unknown keeps the reported value', () => {
    expect(capabilitiesChange([{ key: 'ChargeProfileMaxStackLevel', value: '4' }], ['ChargeProfileMaxStackLevel'])).toEqual({ set: { chargeProfileMaxStackLevel: 4 }, remove: [] });
  });

  it('a whole read replaces every derived capability, and none of the learned ones', () => {
    const change = capabilitiesChange([{ key: 'ChargeProfileMaxStackLevel', value: '1' }], [], true);
    expect(change.set).toEqual({ chargeProfileMaxStackLevel: 1 });
    expect([...change.remove].sort()).toEqual(Object.keys(DERIVED_CAPABILITIES).sort());
  });

  it('an answer without any capability key changes nothing', () => {
    expect(capabilitiesChange([{ key: 'HeartbeatInterval', value: '60' }], ['VendorKey'])).toEqual({ set: {}, remove: [] });
  });
});

describe('station passwords', () => {
  it('verifies the hex text in any case and the raw key bytes; never a wrong key', async () => {
    const key = '0123456789abcdef0123456789ABCDEF';
    const stored = await hashPassword(key);
    expect(stored).not.toContain(key);
    const verifier = new PasswordVerifier();
    expect(await verifier.verify(stored, Buffer.from(key.toLowerCase()))).toBe(true);
    expect(await new PasswordVerifier().verify(stored, Buffer.from(key, 'hex'))).toBe(true);
    expect(await new PasswordVerifier().verify(stored, Buffer.from('0123456789abcdef0123456789abcdee'))).toBe(false);
    expect(passwordCandidates(Buffer.from('abc'))).toEqual(['abc', '616263']);
  });
});
