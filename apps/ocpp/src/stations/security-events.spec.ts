import { securityEventLabel } from './security-events.js';

describe('securityEventLabel', () => {
  it('keeps the whitepaper types with their critical flag', () => {
    expect(securityEventLabel('TamperDetectionActivated')).toEqual({ type: 'TamperDetectionActivated', critical: true });
    expect(securityEventLabel('FirmwareUpdated')).toEqual({ type: 'FirmwareUpdated', critical: true });
    expect(securityEventLabel('InvalidTLSVersion')).toEqual({ type: 'InvalidTLSVersion', critical: false });
  });

  it('counts anything else as other, so a charger cannot create metric series', () => {
    for (const type of ['VendorDoorOpened', 'constructor', '__proto__', 'toString', '']) {
      expect(securityEventLabel(type)).toEqual({ type: 'other', critical: false });
    }
  });
});
