import { capabilitiesChange, DERIVED_CAPABILITIES, type StationCapabilities } from './capabilities.js';

/**
 * What a boot must read again of a charger's configuration: `keys` the keys capabilities come from
 * (a partial GetConfiguration), `whole` the whole configuration (onboarding again).
 */
export type BootReread = 'keys' | 'whole';

/** The keys a boot re-reads for `keys`: those the derived capabilities come from, nothing else. */
export const REREAD_KEYS: readonly string[] = Object.values(DERIVED_CAPABILITIES);

/**
 * What an answer or notification makes the charger's next boot re-read, if anything. A change
 * answered `RebootRequired` is kept pending, applied at that boot and confirmed by reading the keys;
 * an accepted Reset may bring changes made on the charger itself that wait for a reboot; a firmware
 * install may add or drop keys (even under the same firmwareVersion, which alone would not onboard
 * again). Any other boot reads nothing: a fleet rebooting at once must not read 10,000 configurations.
 */
export function rereadAtBoot(event: { action: 'ChangeConfiguration' | 'Reset' | 'FirmwareStatus'; status: string }): BootReread | undefined {
  if (event.action === 'ChangeConfiguration') return event.status === 'RebootRequired' ? 'keys' : undefined;
  if (event.action === 'Reset') return event.status === 'Accepted' ? 'keys' : undefined;
  return event.status === 'Installed' ? 'whole' : undefined;
}

/** A change the charger takes at its reboot: the key as stored, and the capabilities it will set then. */
export interface PendingChange {
  keys: Record<string, { readonly: false; value: string }>;
  capabilities: StationCapabilities;
}

/**
 * The pending form of a ChangeConfiguration answered `RebootRequired` (`key` under the spelling the
 * station's configuration holds). Only what the value sets: a value no capability can use leaves the
 * stored capability alone, as an accepted change does.
 */
export function pendingChange(key: string, value: string): PendingChange {
  return { keys: { [key]: { readonly: false, value } }, capabilities: capabilitiesChange([{ key, value }]).set };
}
