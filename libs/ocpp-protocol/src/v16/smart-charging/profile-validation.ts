/**
 * The checks a charger runs on SetChargingProfile.req before installing a profile (ocpp16.md §2.6
 * and §6.3 "Charging-profile validation as a charger"). Schema-level checks (types, required
 * fields) are the validator's job; these are the semantic rules the schema cannot express.
 */
import { isoToMs } from './schedule.js';
import type { ChargingProfile, InstallContext } from './types.js';

/** Undefined when the profile may be installed on `connectorId`, else a human-readable reason. */
export function validateChargingProfile(connectorId: number, profile: ChargingProfile, ctx: InstallContext): string | undefined {
  const { limits } = ctx;
  const purpose = profile.chargingProfilePurpose;
  const schedule = profile.chargingSchedule;
  const periods = schedule.chargingSchedulePeriod;

  if (!Number.isInteger(connectorId) || connectorId < 0 || connectorId > ctx.connectorCount) {
    return `connectorId ${connectorId} is outside 0..${ctx.connectorCount}`;
  }
  if (purpose === 'ChargePointMaxProfile' && connectorId !== 0) {
    return 'ChargePointMaxProfile is only allowed on connector 0';
  }
  if (purpose === 'TxProfile') {
    if (connectorId === 0) return 'TxProfile is only allowed on a connector > 0';
    const tx = ctx.activeTransaction(connectorId);
    if (tx === undefined) return `TxProfile needs a running transaction on connector ${connectorId}`;
    if (profile.transactionId !== undefined && profile.transactionId !== tx.transactionId) {
      return `transactionId ${profile.transactionId} does not match the running transaction ${tx.transactionId}`;
    }
  }
  if (!Number.isInteger(profile.stackLevel) || profile.stackLevel < 0 || profile.stackLevel > limits.maxStackLevel) {
    return `stackLevel ${profile.stackLevel} is outside 0..${limits.maxStackLevel} (ChargeProfileMaxStackLevel)`;
  }
  if (periods.length === 0) return 'chargingSchedulePeriod is empty';
  if (periods.length > limits.maxPeriods) {
    return `${periods.length} periods exceed ChargingScheduleMaxPeriods ${limits.maxPeriods}`;
  }
  if (!limits.allowedUnits.includes(schedule.chargingRateUnit)) {
    return `chargingRateUnit ${schedule.chargingRateUnit} is not allowed (${limits.allowedUnits.join(', ')})`;
  }
  if (periods[0]?.startPeriod !== 0) return 'the first startPeriod must be 0';
  for (let i = 1; i < periods.length; i++) {
    const previous = periods[i - 1];
    const period = periods[i];
    if (previous !== undefined && period !== undefined && period.startPeriod <= previous.startPeriod) {
      return 'startPeriod values must be strictly increasing';
    }
  }
  // Not in the brief's list but cheap and protects the engine: negative limits or a phase count the
  // station cannot have would make the composite meaningless.
  for (const period of periods) {
    if (period.limit < 0) return `limit ${period.limit} is negative`;
    if (period.numberPhases !== undefined && ![1, 2, 3].includes(period.numberPhases)) {
      return `numberPhases ${period.numberPhases} is not 1, 2 or 3`;
    }
  }
  if (schedule.duration !== undefined && schedule.duration < 0) return `duration ${schedule.duration} is negative`;
  if (profile.chargingProfileKind !== 'Relative') {
    if (schedule.startSchedule === undefined) return `${profile.chargingProfileKind} profile requires startSchedule`;
    if (isoToMs(schedule.startSchedule) === undefined) return `startSchedule ${schedule.startSchedule} is not a valid date`;
  }
  if (profile.chargingProfileKind === 'Recurring' && profile.recurrencyKind === undefined) {
    return 'Recurring profile requires recurrencyKind';
  }
  for (const [name, value] of [['validFrom', profile.validFrom], ['validTo', profile.validTo]] as const) {
    if (value !== undefined && isoToMs(value) === undefined) return `${name} ${value} is not a valid date`;
  }
  const from = isoToMs(profile.validFrom);
  const to = isoToMs(profile.validTo);
  if (from !== undefined && to !== undefined && to <= from) return 'validTo must be after validFrom';
  return undefined;
}
