import { OcppCsmsAction } from '@cpo/contracts';
import { ACTIONS_16, CP_ACTIONS_16, CS_ACTIONS_16, FEATURE_PROFILE_16, isAction16, isCpAction16, isCsAction16, triggeredActions16 } from './actions.js';
import { schemas16 } from './schemas.generated.js';

describe('1.6 actions', () => {
  const files = Object.keys(schemas16);

  it('cover exactly the 78 schema files: every schema has an action, every action both schemas', () => {
    expect(files).toHaveLength(78);
    const fromFiles = new Set(files.map((f) => f.replace(/Response$/, '')));
    expect([...fromFiles].sort()).toEqual([...ACTIONS_16].sort());
    for (const action of ACTIONS_16) {
      expect(files).toContain(action);
      expect(files).toContain(`${action}Response`);
    }
  });

  it('list DataTransfer in both directions and nothing else twice', () => {
    expect(CP_ACTIONS_16).toHaveLength(14);
    expect(CS_ACTIONS_16).toHaveLength(26);
    expect(ACTIONS_16).toHaveLength(39);
    expect(CP_ACTIONS_16.filter((a) => (CS_ACTIONS_16 as readonly string[]).includes(a))).toEqual(['DataTransfer']);
  });

  it('recognise names case-sensitively', () => {
    expect(isAction16('BootNotification')).toBe(true);
    expect(isAction16('bootNotification')).toBe(false);
    expect(isAction16('/BootNotification')).toBe(false);
    expect(isAction16('NotifyReport')).toBe(false);
    expect(isCpAction16('StartTransaction')).toBe(true);
    expect(isCsAction16('StartTransaction')).toBe(false);
    expect(isCsAction16('DataTransfer') && isCpAction16('DataTransfer')).toBe(true);
  });

  it('assign a feature profile to every action', () => {
    expect(Object.keys(FEATURE_PROFILE_16).sort()).toEqual([...ACTIONS_16].sort());
    expect(FEATURE_PROFILE_16.SetChargingProfile).toBe('SmartCharging');
    expect(FEATURE_PROFILE_16.TriggerMessage).toBe('RemoteTrigger');
    expect(FEATURE_PROFILE_16.ExtendedTriggerMessage).toBe('Security');
    expect(Object.values(FEATURE_PROFILE_16).filter((p) => p === 'Security')).toHaveLength(11);
  });
});

describe('bus contract agreement', () => {
  it('the actions a bus command may carry are exactly the CSMS-initiated 1.6 actions', () => {
    expect([...OcppCsmsAction.options].sort()).toEqual([...CS_ACTIONS_16].sort());
  });
});

describe('triggeredActions16', () => {
  it('maps requested messages of TriggerMessage and ExtendedTriggerMessage to the charger actions that answer them', () => {
    expect(triggeredActions16('StatusNotification')).toEqual(['StatusNotification']);
    expect(triggeredActions16('LogStatusNotification')).toEqual(['LogStatusNotification']);
    expect(triggeredActions16('SignChargePointCertificate')).toEqual(['SignCertificate']);
    expect(triggeredActions16('FirmwareStatusNotification')).toEqual(['FirmwareStatusNotification', 'SignedFirmwareStatusNotification']);
    expect(triggeredActions16('Reset')).toEqual([]); // a CS→CP action
    expect(triggeredActions16('Whatever')).toEqual([]);
  });
});
