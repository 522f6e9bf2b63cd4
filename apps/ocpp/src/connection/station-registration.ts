import type { StationAdmission } from '../stations/station.repository.js';
import type { RegistrationState } from './station-context.js';
import { negotiate } from './subprotocol-quirks.js';

/**
 * The subprotocols an upgrade offers. ws has already parsed and validated the header (a malformed
 * one is refused 400 before admission runs), so splitting on commas gives ws's own set.
 */
export function offeredSubprotocols(header: string | undefined): Set<string> {
  return new Set((header ?? '').split(',').map((p) => p.trim()).filter(Boolean));
}

/**
 * Whether an unknown station's connection would speak a version: a row registered now has no
 * quirks (no aliases, no version for a missing header), so only the standard names count.
 */
export function unknownStationSpeaks(header: string | undefined, preference: readonly string[]): boolean {
  return negotiate(offeredSubprotocols(header), preference, undefined) !== false;
}

/**
 * An unknown station as it would be registered (the column defaults), for a connection that is
 * refused for its subprotocol: it goes through the handshake (OCPP-J closes it after, with 1002)
 * but leaves no row behind.
 */
export function unregisteredStation(id: string, registrationStatus: StationAdmission['registrationStatus']): StationAdmission {
  return {
    id,
    passwordHash: null,
    pendingPasswordHash: null,
    earlierPendingPasswordHash: null,
    securityProfile: 0,
    registrationStatus,
    validationPolicy: 'strict',
    lastBootStatus: null,
    subprotocolAliases: {},
    missingSubprotocol: null,
    autoRegistered: true,
  };
}

/** How often the refusal of an existing station's case variant (auto-register) is logged, per station. */
export const CASE_VARIANT_LOG_INTERVAL_MS = 15 * 60_000;

/**
 * Refusals for a full registration cap, reported at most once per interval (each one would be a
 * log line per attempt of a script), with how many there were since the last report.
 */
export class CapRefusals {
  private refused = 0;
  private lastReport = -Infinity;

  constructor(private readonly intervalMs = 60_000) {}

  /** Counts a refusal; the number to report (this one included) when a report is due, else undefined. */
  add(now: number): number | undefined {
    this.refused += 1;
    if (now - this.lastReport < this.intervalMs) return undefined;
    const count = this.refused;
    this.refused = 0;
    this.lastReport = now;
    return count;
  }
}

/**
 * What a new connection knows before any BootNotification (OCPP-J §5.4: a reconnect needs no boot):
 * the answer to the station's last boot. A station answered Rejected or Pending keeps that state until
 * it boots again (guide §2.1: "Rejected: … we send nothing"). Accepted needs the operator's current
 * setting too; a station the operator rejected after an accepted boot is Unknown (its next boot is
 * answered Rejected; until then operator commands such as Reset still reach it).
 */
export function initialRegistration(station: Pick<StationAdmission, 'registrationStatus' | 'lastBootStatus'>): RegistrationState {
  if (station.lastBootStatus === 'Rejected' || station.lastBootStatus === 'Pending') return station.lastBootStatus;
  return station.registrationStatus === 'Accepted' && station.lastBootStatus === 'Accepted' ? 'Accepted' : 'Unknown';
}

/**
 * Whether the station's transaction messages count before it is accepted (guide §2.1: those of a
 * known station are processed, not lost). One the `pending` unknown-station policy registered on
 * its first connection is not known until an operator accepts or sets it: otherwise any device
 * calling itself a new identity could open transactions, and have its tags authorised by roaming
 * partners, while it waits in quarantine.
 */
export function knownStation(station: Pick<StationAdmission, 'autoRegistered' | 'registrationStatus'>): boolean {
  return !station.autoRegistered || station.registrationStatus === 'Accepted';
}
