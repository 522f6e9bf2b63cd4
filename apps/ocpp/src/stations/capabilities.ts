/** What a charger told us about itself (GetConfiguration), in the form the dispatch logic needs. */
export interface StationCapabilities {
  numberOfConnectors?: number;
  supportedFeatureProfiles?: string[];
  chargeProfileMaxStackLevel?: number;
  /** `A`, `W` or both, from `ChargingScheduleAllowedChargingRateUnit` (which chargers spell Current/Power/A/W). */
  allowedChargingRateUnits?: ('A' | 'W')[];
  chargingScheduleMaxPeriods?: number;
  maxChargingProfilesInstalled?: number;
  /** Learned from refusals: the charger does not take a ChargePointMaxProfile. */
  chargePointMaxProfileRefused?: boolean;
  /** Learned from refusals: the charger does not take a TxDefaultProfile on connector 0 (the emulated station cap; guide §3.1). */
  connectorZeroDefaultRefused?: boolean;
  /** Learned from refusals: only stackLevel 0 works whatever it reports. */
  onlyStackLevelZero?: boolean;
  /**
   * Learned from verification: a TxDefaultProfile sent during a transaction is accepted but not
   * applied to it (OCPP 1.6 §3.13.1 defines it for new transactions), while a TxProfile is; so a
   * running transaction also gets its limit as a TxProfile (`RunningTransactionCap`).
   */
  txDefaultSkipsRunningTransaction?: boolean;
  /**
   * Learned from TriggerMessage answers: the messages the charger answered `NotImplemented` for
   * (guide §2.7: it lacks the message or its profile; store it, do not retry). A later `Accepted`
   * or `Rejected` for one takes it off again.
   */
  triggerNotImplemented?: string[];
}

/**
 * What smart charging learned from a charger's answers (merged into the stored capabilities, see
 * `StationRepository.learnCapabilities`). They describe one unit on one firmware: a boot reporting
 * another firmware or another unit (serial numbers) forgets them, so a firmware that fixed a quirk
 * is not kept on the degraded form (e.g. no fail-safe ChargePointMaxProfile) for ever, and a
 * replacement unit is not judged by its predecessor's refusals. Relearning costs one refusal.
 */
export const LEARNED_CAPABILITIES = ['chargePointMaxProfileRefused', 'connectorZeroDefaultRefused', 'onlyStackLevelZero', 'txDefaultSkipsRunningTransaction', 'wholeAmperesOnly', 'triggerNotImplemented'] as const;

type ConfigurationKey = { key: string; readonly?: boolean; value?: string };

/**
 * The capabilities read from the configuration (`capabilitiesFrom`), each with the key it comes
 * from. Not the learned ones (LEARNED_CAPABILITIES): no configuration key sets or removes those.
 */
export const DERIVED_CAPABILITIES = {
  numberOfConnectors: 'NumberOfConnectors',
  supportedFeatureProfiles: 'SupportedFeatureProfiles',
  chargeProfileMaxStackLevel: 'ChargeProfileMaxStackLevel',
  allowedChargingRateUnits: 'ChargingScheduleAllowedChargingRateUnit',
  chargingScheduleMaxPeriods: 'ChargingScheduleMaxPeriods',
  maxChargingProfilesInstalled: 'MaxChargingProfilesInstalled',
} as const satisfies { [C in keyof StationCapabilities]?: string };

export type DerivedCapability = keyof typeof DERIVED_CAPABILITIES;

const derived = Object.entries(DERIVED_CAPABILITIES) as [DerivedCapability, string][];

/** The capabilities derived from these configuration keys (CiString: compared without case); other keys derive none. */
export function capabilitiesDerivedFrom(keys: readonly string[]): DerivedCapability[] {
  const names = new Set(keys.map((k) => k.toLowerCase()));
  return derived.filter(([, key]) => names.has(key.toLowerCase())).map(([capability]) => capability);
}

const int = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v.trim()) ? Number(v.trim()) : undefined);

/** Reads the smart-charging and onboarding keys of a GetConfiguration answer (guide §3.2). */
export function capabilitiesFrom(keys: ConfigurationKey[]): StationCapabilities {
  const value = (capability: DerivedCapability) => keys.find((k) => k.key.toLowerCase() === DERIVED_CAPABILITIES[capability].toLowerCase())?.value;
  const units = value('allowedChargingRateUnits')
    ?.split(',')
    .map((u) => u.trim().toLowerCase())
    .map((u) => (u === 'current' || u === 'a' ? 'A' : u === 'power' || u === 'w' ? 'W' : undefined))
    .filter((u): u is 'A' | 'W' => u !== undefined);
  const caps: StationCapabilities = {
    numberOfConnectors: int(value('numberOfConnectors')),
    supportedFeatureProfiles: value('supportedFeatureProfiles')?.split(',').map((p) => p.trim()).filter(Boolean),
    chargeProfileMaxStackLevel: int(value('chargeProfileMaxStackLevel')),
    allowedChargingRateUnits: units && units.length > 0 ? [...new Set(units)] : undefined,
    chargingScheduleMaxPeriods: int(value('chargingScheduleMaxPeriods')),
    maxChargingProfilesInstalled: int(value('maxChargingProfilesInstalled')),
  };
  return Object.fromEntries(Object.entries(caps).filter(([, v]) => v !== undefined)) as StationCapabilities;
}

/** A change of the derived capabilities stored with a station: `remove` taken off, then `set` merged in. */
export interface CapabilitiesChange {
  set: StationCapabilities;
  remove: DerivedCapability[];
}

/**
 * What a configuration answer changes in the derived capabilities (never the learned ones).
 * `whole`: the charger's whole configuration (a GetConfiguration without keys), which replaces them
 * all: one it does not report (or reports unusable) is one it no longer has. Otherwise (a partial
 * read, an accepted ChangeConfiguration) only what the answer speaks of: a key reported with a usable
 * value sets its capability, a key the charger answered unknown (`unknownKey`) removes its
 * capability; the others keep their stored value. A key both reported (usable) and unknown counts as reported.
 */
export function capabilitiesChange(reported: ConfigurationKey[], unknown: readonly string[] = [], whole = false): CapabilitiesChange {
  const set = capabilitiesFrom(reported);
  if (whole) return { set, remove: derived.map(([capability]) => capability) };
  return { set, remove: capabilitiesDerivedFrom(unknown).filter((c) => set[c] === undefined) };
}
