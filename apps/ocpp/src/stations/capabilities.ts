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

type ConfigurationKey = { key: string; readonly: boolean; value?: string };

const int = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v.trim()) ? Number(v.trim()) : undefined);

/** Reads the smart-charging and onboarding keys of a GetConfiguration answer (guide §3.2). */
export function capabilitiesFrom(keys: ConfigurationKey[]): StationCapabilities {
  const value = (name: string) => keys.find((k) => k.key.toLowerCase() === name.toLowerCase())?.value;
  const units = value('ChargingScheduleAllowedChargingRateUnit')
    ?.split(',')
    .map((u) => u.trim().toLowerCase())
    .map((u) => (u === 'current' || u === 'a' ? 'A' : u === 'power' || u === 'w' ? 'W' : undefined))
    .filter((u): u is 'A' | 'W' => u !== undefined);
  const caps: StationCapabilities = {
    numberOfConnectors: int(value('NumberOfConnectors')),
    supportedFeatureProfiles: value('SupportedFeatureProfiles')?.split(',').map((p) => p.trim()).filter(Boolean),
    chargeProfileMaxStackLevel: int(value('ChargeProfileMaxStackLevel')),
    allowedChargingRateUnits: units && units.length > 0 ? [...new Set(units)] : undefined,
    chargingScheduleMaxPeriods: int(value('ChargingScheduleMaxPeriods')),
    maxChargingProfilesInstalled: int(value('MaxChargingProfilesInstalled')),
  };
  return Object.fromEntries(Object.entries(caps).filter(([, v]) => v !== undefined)) as StationCapabilities;
}
