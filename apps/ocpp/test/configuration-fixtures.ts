/** A smart-charging charger's configuration at onboarding, and the capabilities derived from it: shared by the configuration specs. */
export const ONBOARDING_KEYS = {
  NumberOfConnectors: '2',
  SupportedFeatureProfiles: 'Core,SmartCharging',
  ChargeProfileMaxStackLevel: '8',
  ChargingScheduleAllowedChargingRateUnit: 'Current',
  ChargingScheduleMaxPeriods: '24',
  MaxChargingProfilesInstalled: '10',
  HeartbeatInterval: '300',
};

export const DERIVED_AT_ONBOARDING = {
  numberOfConnectors: 2,
  supportedFeatureProfiles: ['Core', 'SmartCharging'],
  chargeProfileMaxStackLevel: 8,
  allowedChargingRateUnits: ['A'],
  chargingScheduleMaxPeriods: 24,
  maxChargingProfilesInstalled: 10,
};

/** A charger's GetConfiguration answer from `config` (keys matched without case, as CiStrings): every key when none is asked, the unknown ones named. */
export function configurationAnswer(config: Map<string, string>, asked: string[], readonly = false) {
  const known = [...config].filter(([k]) => !asked.length || asked.some((w) => w.toLowerCase() === k.toLowerCase()));
  const unknownKey = asked.filter((w) => ![...config.keys()].some((k) => k.toLowerCase() === w.toLowerCase()));
  return { configurationKey: known.map(([key, value]) => ({ key, value, readonly })), ...(unknownKey.length ? { unknownKey } : {}) };
}
