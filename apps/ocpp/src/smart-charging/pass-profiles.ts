import type { DesiredProfileRow } from './charging-profile.repository.js';
import { heldAfterEnd, shareConnectors, shareLimit, unlimited } from './cap-shares.js';
import { emulateStationCap, underStationShare } from './emulated-cap.js';
import type { Forms } from './pass-forms.js';
import { buildProfile, type BuiltProfile } from './profile-builder.js';
import { learnedForm, type DispatchCapabilities } from './whole-amperes.js';

/*
 * The forms a dispatch pass builds (`limit-dispatcher.ts`), from a row and what is known of the
 * charger (`caps`, including what the pass has learned so far): pure but for the emulated cap's
 * split, read once per pass (`Forms.share`). Every form is in whole amperes on a charger known to
 * take nothing else (`whole-amperes.ts`).
 */

/**
 * The profile for the row with what we know of the charger: where the station cap is emulated, the
 * cap as the connector-0 default with each connector's share, and each connector's limit held to
 * that share. Where connector 0 takes no default (`cap-shares.ts`), the cap's form is the first of
 * its shares (each connector without a plan, in a profile of its own; `send` sends them all), and
 * a connector's limit keeps its share past its own end.
 */
export async function profileFor(row: DesiredProfileRow, caps: DispatchCapabilities, now: Date, leaseS: number, forms: Forms, voltage: number): Promise<BuiltProfile> {
  const learned = (b: BuiltProfile) => learnedForm(caps, b);
  if (!forms.emulating()) return learned(buildProfile(row.desired, caps, now, voltage, leaseS));
  const n = await forms.share();
  const cap = forms.capRow!.desired;
  if (row.connectorId === 0 && !caps.connectorZeroDefaultRefused) return learned(emulateStationCap(buildProfile(row.desired, caps, now, voltage), n));
  if (row.connectorId === 0) return (await shareProfiles(caps, now, forms, voltage))[0] ?? learned(buildProfile(shareLimit(cap, 1, n), caps, now, voltage));
  const held = learned(buildProfile(underStationShare(caps.connectorZeroDefaultRefused ? heldAfterEnd(row.desired, cap) : row.desired, cap, n, voltage), caps, now, voltage, leaseS));
  return unlimited(held) ? learned(buildProfile(underStationShare(row.desired, cap, n, voltage), caps, now, voltage, leaseS)) : held;
}

/** The station cap's share for each connector without a plan of its own (or for `only`), as that connector's profile (id 100 + n, no lease). */
export async function shareProfiles(caps: DispatchCapabilities, now: Date, forms: Forms, voltage: number, only?: number[]): Promise<BuiltProfile[]> {
  const n = await forms.share();
  return (only ?? shareConnectors(n, forms.planned)).map((c) => learnedForm(caps, buildProfile(shareLimit(forms.capRow!.desired, c, n), caps, now, voltage)));
}

/** The lease for this charger's connector profiles (s), 0 without one: stack level 0 only, or an emulated station cap a level-0 fallback could override. */
export function leaseFor(caps: DispatchCapabilities, leaseS: number): number {
  const levels = !caps.onlyStackLevelZero && (caps.chargeProfileMaxStackLevel ?? 0) >= 1;
  return levels && !caps.chargePointMaxProfileRefused ? leaseS : 0;
}
