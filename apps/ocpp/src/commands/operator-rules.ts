import type { OcppCommandReply } from '@cpo/contracts';
import { validateRequest16, type CsAction16, type JsonObject } from '@cpo/ocpp-protocol';
import { isManagedProfileId } from '../smart-charging/profile-builder.js';
import { LocalCommandErrorCode } from './command-executor.js';
import { commandRuleViolations } from './command-rules.js';

/** Where an operator's payload carries a charging profile, by action. */
const PROFILE_OF: Readonly<Partial<Record<string, (p: Record<string, unknown>) => unknown>>> = {
  SetChargingProfile: (p) => p['csChargingProfiles'],
  RemoteStartTransaction: (p) => p['chargingProfile'],
};

/**
 * Why an operator (REST) command must not reach the charger, beyond the schema and the guide's
 * rules: a charging profile under an id smart charging installs would silently replace the grid
 * limit on the charger while our view still shows it applied (and be overwritten at the next plan).
 * Checked only for operators: smart charging's own profiles travel the same executor over the bus.
 * An invalid payload is left to the executor, whose 400 names every bad field.
 */
export function operatorCommandRefusal(action: CsAction16, payload: Record<string, unknown>): OcppCommandReply | undefined {
  const profile = PROFILE_OF[action]?.(payload);
  if (typeof profile !== 'object' || profile === null) return undefined;
  const id = (profile as Record<string, unknown>)['chargingProfileId'];
  if (!isManagedProfileId(id)) return undefined;
  if (!validateRequest16(action, payload as JsonObject).ok || commandRuleViolations(action, payload).length > 0) return undefined;
  return {
    status: 'error',
    code: LocalCommandErrorCode.Conflict,
    description: `chargingProfileId ${String(id)} is reserved for the grid limits this platform installs (1, 99, 101–399 except 200 and 300); use another id`,
    details: { chargingProfileId: id },
  };
}
