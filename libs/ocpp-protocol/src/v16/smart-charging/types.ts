/**
 * Minimal structural types for the smart-charging engine. They mirror the OCPP 1.6
 * `csChargingProfiles` shape field for field so the generated message types are assignable to
 * them without this folder importing generated code. Inputs use `readonly` arrays so both mutable
 * and readonly callers fit; outputs use mutable arrays so they can be put straight into a
 * GetCompositeSchedule.conf.
 */

export type ChargingProfilePurpose = 'ChargePointMaxProfile' | 'TxDefaultProfile' | 'TxProfile';
export type ChargingProfileKind = 'Absolute' | 'Recurring' | 'Relative';
export type RecurrencyKind = 'Daily' | 'Weekly';
export type ChargingRateUnit = 'A' | 'W';

export interface ChargingSchedulePeriod {
  /** Seconds from the start of the schedule. */
  readonly startPeriod: number;
  readonly limit: number;
  /** Defaults to 3 when absent (OCPP 1.6 §7.13). */
  readonly numberPhases?: number;
}

export interface ChargingSchedule {
  /** Seconds; absent = the schedule never ends (last period holds forever). */
  readonly duration?: number;
  /** ISO 8601; required for Absolute and Recurring, ignored for Relative. */
  readonly startSchedule?: string;
  readonly chargingRateUnit: ChargingRateUnit;
  readonly chargingSchedulePeriod: readonly ChargingSchedulePeriod[];
  readonly minChargingRate?: number;
}

export interface ChargingProfile {
  readonly chargingProfileId: number;
  readonly transactionId?: number;
  readonly stackLevel: number;
  readonly chargingProfilePurpose: ChargingProfilePurpose;
  readonly chargingProfileKind: ChargingProfileKind;
  readonly recurrencyKind?: RecurrencyKind;
  readonly validFrom?: string;
  readonly validTo?: string;
  readonly chargingSchedule: ChargingSchedule;
}

/** A profile as installed on a charger: connector 0 = the whole station. */
export interface InstalledProfile {
  readonly connectorId: number;
  readonly profile: ChargingProfile;
}

// ---- store ---------------------------------------------------------------------------------

/** Charger capabilities, from the configuration keys of the same names (ocpp16.md §2.6). */
export interface ProfileLimits {
  /** `ChargeProfileMaxStackLevel`. */
  readonly maxStackLevel: number;
  /** `ChargingScheduleMaxPeriods`. */
  readonly maxPeriods: number;
  /** `MaxChargingProfilesInstalled`. */
  readonly maxProfiles: number;
  /** `ChargingScheduleAllowedChargingRateUnit`. */
  readonly allowedUnits: readonly ChargingRateUnit[];
}

export interface ActiveTransaction {
  readonly transactionId: number;
  readonly startedAt: Date;
}

export interface InstallContext {
  readonly connectorCount: number;
  activeTransaction(connectorId: number): ActiveTransaction | undefined;
  readonly limits: ProfileLimits;
}

export type InstallResult = { readonly status: 'Accepted' } | { readonly status: 'Rejected'; readonly reason: string };

/** ClearChargingProfile.req filters; all present filters must match (ocpp16.md §2.6). */
export interface ClearFilter {
  readonly id?: number;
  readonly connectorId?: number;
  readonly purpose?: ChargingProfilePurpose;
  readonly stackLevel?: number;
}

// ---- composite -----------------------------------------------------------------------------

export interface ElectricalRating {
  /** Nominal phase-to-neutral voltage used for A↔W conversion (e.g. 230). */
  readonly voltageV: number;
  /** Phases the station is wired with; caps a period's `numberPhases`. */
  readonly phases: 1 | 3;
  /** Hardware maximum current per phase: the limit where no profile applies. */
  readonly maxCurrentA: number;
}

/** Everything needed to evaluate the limit at an instant. */
export interface EvaluationContext {
  readonly profiles: readonly InstalledProfile[];
  readonly connectorId: number;
  readonly unit: ChargingRateUnit;
  /** The transaction running on `connectorId`, if any: enables TxProfiles, anchors Relative ones. */
  readonly transaction?: { readonly startedAt: Date; readonly transactionId?: number };
  readonly electrical: ElectricalRating;
  /**
   * Anchor for Relative profiles when no transaction runs. compositeSchedule() always sets it
   * (its `from`); when absent, limitAt()/nextChangeAfter() anchor at the instant asked about.
   */
  readonly from?: Date;
}

export interface CompositeScheduleInput extends EvaluationContext {
  readonly from: Date;
  readonly durationS: number;
}

export interface CompositeSchedulePeriod {
  startPeriod: number;
  limit: number;
  numberPhases: number;
}

export interface CompositeSchedule {
  connectorId: number;
  scheduleStart: string;
  chargingSchedule: {
    duration: number;
    startSchedule: string;
    chargingRateUnit: ChargingRateUnit;
    chargingSchedulePeriod: CompositeSchedulePeriod[];
  };
}

export type LimitSource = ChargingProfilePurpose | 'hardware';

export interface EffectiveLimit {
  /** In `unit`, rounded to one decimal (ocpp16.md §1.11). */
  readonly limit: number;
  readonly unit: ChargingRateUnit;
  readonly numberPhases: number;
  /** Which layer set the (binding) limit. */
  readonly source: LimitSource;
}
