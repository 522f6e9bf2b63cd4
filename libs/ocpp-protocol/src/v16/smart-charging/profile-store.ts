/**
 * The charger-side set of installed charging profiles (SetChargingProfile / ClearChargingProfile /
 * end of transaction). Pure in-memory state; persistence, if any, is the caller's business.
 */
import { validateChargingProfile } from './profile-validation.js';
import type { ChargingProfile, ClearFilter, InstallContext, InstallResult, InstalledProfile } from './types.js';

export class ChargingProfileStore {
  /** In installation order, which composite.ts uses to break (theoretical) stack-level ties. */
  private installed: InstalledProfile[];

  constructor(initial: readonly InstalledProfile[] = []) {
    this.installed = initial.map((entry) => structuredClone(entry));
  }

  /**
   * SetChargingProfile.req. A profile with the same chargingProfileId replaces the old one wherever
   * it was installed; one with the same stackLevel + purpose on the same connector replaces that
   * one (both go if both exist, so the connector never ends up with two profiles at one level).
   * Same level + purpose on another connector is kept: ocpp16.md §2.6 follows EVerest in keeping
   * them per connector. Otherwise the profile is added if MaxChargingProfilesInstalled allows.
   */
  install(connectorId: number, profile: ChargingProfile, ctx: InstallContext): InstallResult {
    const reason = validateChargingProfile(connectorId, profile, ctx);
    if (reason !== undefined) return { status: 'Rejected', reason };
    const kept = this.installed.filter(
      (entry) =>
        entry.profile.chargingProfileId !== profile.chargingProfileId &&
        !(
          entry.connectorId === connectorId &&
          entry.profile.stackLevel === profile.stackLevel &&
          entry.profile.chargingProfilePurpose === profile.chargingProfilePurpose
        ),
    );
    if (kept.length >= ctx.limits.maxProfiles) {
      return { status: 'Rejected', reason: `MaxChargingProfilesInstalled ${ctx.limits.maxProfiles} reached` };
    }
    // Copy: the caller's object (often a decoded request) must not alias our state.
    this.installed = [...kept, { connectorId, profile: structuredClone(profile) }];
    return { status: 'Accepted' };
  }

  /**
   * ClearChargingProfile.req: every given filter must match (ANDed); no filter clears all.
   * `connectorId` matches where the profile is installed (0 clears station-wide profiles only).
   * 'Accepted' when at least one profile was removed, else 'Unknown'.
   */
  clear(filter: ClearFilter = {}): 'Accepted' | 'Unknown' {
    const matches = (entry: InstalledProfile): boolean =>
      (filter.id === undefined || entry.profile.chargingProfileId === filter.id) &&
      (filter.connectorId === undefined || entry.connectorId === filter.connectorId) &&
      (filter.purpose === undefined || entry.profile.chargingProfilePurpose === filter.purpose) &&
      (filter.stackLevel === undefined || entry.profile.stackLevel === filter.stackLevel);
    const before = this.installed.length;
    this.installed = this.installed.filter((entry) => !matches(entry));
    return this.installed.length < before ? 'Accepted' : 'Unknown';
  }

  /** A TxProfile lives only as long as its transaction (OCPP 1.6 §3.13.1). Returns how many went. */
  endTransaction(connectorId: number): number {
    const before = this.installed.length;
    this.installed = this.installed.filter(
      (entry) => !(entry.connectorId === connectorId && entry.profile.chargingProfilePurpose === 'TxProfile'),
    );
    return before - this.installed.length;
  }

  /** Installed profiles (all, or those on one connector), in installation order. */
  list(connectorId?: number): readonly InstalledProfile[] {
    return connectorId === undefined ? [...this.installed] : this.installed.filter((entry) => entry.connectorId === connectorId);
  }
}
