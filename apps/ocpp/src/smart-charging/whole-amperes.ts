import type { OcppCommandReply } from '@cpo/contracts';
import type { StationCapabilities } from '../stations/capabilities.js';
import type { BuiltProfile } from './profile-builder.js';

/**
 * What the dispatcher knows of a charger: its capabilities, and what smart charging learned from its
 * answers beyond them (merged into the same stored `capabilities`, like `chargePointMaxProfileRefused`).
 */
export interface DispatchCapabilities extends StationCapabilities {
  /**
   * Learned from refusals: the charger's validator refuses A values with a decimal that its naive
   * `multipleOf: 0.1` check (`x / 0.1` integral in binary floating point) gets wrong (16.2, 31.9, …;
   * guide §1.11) and took the same profile in whole amperes: its profiles go out whole at once.
   */
  wholeAmperesOnly?: boolean;
}

/**
 * CallError codes a JSON-schema validator answers a value it refuses with: `multipleOf` is mapped to
 * the property, formation (FormatViolation in 2.0.1 spelling) or occurrence code depending on the
 * library (guide §1.5: ocpp-rpc reports it as the occurrence code), a type error by some.
 */
const VALIDATION_CODES = new Set([
  'PropertyConstraintViolation',
  'FormationViolation',
  'FormatViolation',
  'TypeConstraintViolation',
  'OccurenceConstraintViolation',
  'OccurrenceConstraintViolation',
]);

/**
 * An answer a whole-ampere form may change: `Rejected`, or a validation CallError from the charger.
 * Not `NotSupported` (no smart charging at all), nor a CallError of ours about its answer
 * (`mayHaveActed`: the charger may have taken the profile, a malformed CALLRESULT is no refusal).
 */
export function refusedForItsValues(reply: OcppCommandReply): boolean {
  if (reply.status === 'ok') return reply.payload['status'] === 'Rejected';
  return reply.mayHaveActed !== true && VALIDATION_CODES.has(reply.code);
}

/** The profile carries an A value (a period's limit or the minChargingRate) that is not whole: one a naive validator may refuse. */
export function hasFractionalAmperes(built: BuiltProfile): boolean {
  const schedule = built.profile.chargingSchedule;
  if (schedule.chargingRateUnit !== 'A') return false;
  const values = [...schedule.chargingSchedulePeriod.map((p) => p.limit), ...(schedule.minChargingRate === undefined ? [] : [schedule.minChargingRate])];
  return values.some((v) => !Number.isInteger(v));
}

/**
 * The same profile with its A values rounded down to whole amperes (never above the plan; a value at
 * or above the 6 A pilot minimum stays there, 0 stays 0). W profiles are whole watts already.
 */
export function inWholeAmperes(built: BuiltProfile): BuiltProfile {
  if (!hasFractionalAmperes(built)) return built;
  const schedule = built.profile.chargingSchedule;
  const down = (v: number) => Math.floor(v + 1e-9);
  return {
    ...built,
    profile: {
      ...built.profile,
      chargingSchedule: {
        ...schedule,
        chargingSchedulePeriod: schedule.chargingSchedulePeriod.map((p) => ({ ...p, limit: down(p.limit) })),
        ...(schedule.minChargingRate === undefined ? {} : { minChargingRate: down(schedule.minChargingRate) }),
      },
    },
  };
}

/** `built` in the form the charger takes: whole amperes where it was learned to take nothing else. */
export function learnedForm(caps: DispatchCapabilities, built: BuiltProfile): BuiltProfile {
  return caps.wholeAmperesOnly ? inWholeAmperes(built) : built;
}

/**
 * Sends `built` and, when the charger refuses it for values a naive validator gets wrong, the same
 * profile again at once in whole amperes. `wholeAmperes` is true when only the whole form was taken
 * (the decimal was the reason: to remember for the station). At most two CALLs.
 *
 * The dispatcher runs each form through this before its other fallbacks (stack level 1 → 0, a
 * refused ChargePointMaxProfile → emulated cap): a decimal is the narrowest reason and its remedy
 * changes nothing else (at most 0.9 A less), while the others cost more (level 0 loses the lease,
 * an emulated cap splits the station's capacity evenly) and would be learned, for good, about a
 * charger that only disliked 16.2. Refused in whole amperes too, the decimal was not the reason
 * (nothing learned) and the next fallback follows, again with its whole form: at most four CALLs
 * per profile, each form tried once, so a charger refusing everything ends as before.
 */
export async function sendWithWholeAmperes(
  built: BuiltProfile,
  send: (b: BuiltProfile) => Promise<OcppCommandReply>,
): Promise<{ reply: OcppCommandReply; sent: BuiltProfile; wholeAmperes: boolean }> {
  const reply = await send(built);
  if (!refusedForItsValues(reply) || !hasFractionalAmperes(built)) return { reply, sent: built, wholeAmperes: false };
  const whole = inWholeAmperes(built);
  const retry = await send(whole);
  return { reply: retry, sent: whole, wholeAmperes: retry.status === 'ok' && retry.payload['status'] === 'Accepted' };
}
