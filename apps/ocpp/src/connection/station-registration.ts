import type { StationAdmission } from '../stations/station.repository.js';
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
