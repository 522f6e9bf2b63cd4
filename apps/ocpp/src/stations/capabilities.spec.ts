import { capabilitiesFrom } from './capabilities.js';
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
