import { parseDateTimeMs, type ValidationError16 } from '@cpo/ocpp-protocol';

type Payload = Record<string, unknown>;

const isObject = (v: unknown): v is Payload => typeof v === 'object' && v !== null && !Array.isArray(v);

function violation(path: string, message: string, params: Record<string, unknown> = {}): ValidationError16 {
  return { path, keyword: 'rule', message, params };
}

/**
 * A ChargingProfile's rules that OCPP 1.6 states but its schema cannot hold, for the profile at `at`
 * (`/csChargingProfiles` of a SetChargingProfile, `/chargingProfile` of a RemoteStartTransaction).
 * Only what the text states or what contradicts a field's own definition: it gives no range for
 * `duration`, `limit` or `numberPhases`, nor forbids a `recurrencyKind` on another kind, so those go.
 * `transactionIdRule` is off where the caller has a stricter rule of its own (RemoteStartTransaction:
 * no transactionId at all, §5.11).
 */
export function chargingProfileViolations(profile: unknown, at: string, transactionIdRule = true): ValidationError16[] {
  if (!isObject(profile)) return [];
  const found: ValidationError16[] = [];
  const { stackLevel, chargingProfilePurpose: purpose, chargingProfileKind: kind, transactionId, recurrencyKind } = profile;
  // §7.7 stackLevel: "Lowest level is 0."
  if (typeof stackLevel === 'number' && stackLevel < 0) found.push(violation(`${at}/stackLevel`, 'must be 0 or more (OCPP 1.6 §7.7: the lowest level is 0)', { minimum: 0 }));
  // §7.7 transactionId: "Only valid if ChargingProfilePurpose is set to TxProfile".
  if (transactionIdRule && transactionId !== undefined && purpose !== 'TxProfile') {
    found.push(violation(`${at}/transactionId`, 'is only valid on a TxProfile (OCPP 1.6 §7.7)'));
  }
  // §7.7 validFrom / validTo: the points in time the profile "starts" and "stops" to be valid; one
  // that stops before it starts is never in force, though the charger accepts it.
  const from = typeof profile['validFrom'] === 'string' ? parseDateTimeMs(profile['validFrom'], { missingZone: 'utc' }) : undefined;
  const to = typeof profile['validTo'] === 'string' ? parseDateTimeMs(profile['validTo'], { missingZone: 'utc' }) : undefined;
  if (from !== undefined && to !== undefined && to <= from) found.push(violation(`${at}/validTo`, 'must be after validFrom: the profile would never be valid (OCPP 1.6 §7.7)'));
  // ChargingProfileKindType, Recurring: "The schedule restarts periodically"; the period is the recurrencyKind.
  if (kind === 'Recurring' && recurrencyKind === undefined) found.push(violation(`${at}/recurrencyKind`, 'is required for a Recurring profile (Daily or Weekly: when it restarts)'));
  const schedule = profile['chargingSchedule'];
  if (isObject(schedule)) found.push(...scheduleViolations(schedule, kind, `${at}/chargingSchedule`));
  return found;
}

function scheduleViolations(schedule: Payload, kind: unknown, at: string): ValidationError16[] {
  const found: ValidationError16[] = [];
  // §7.13 startSchedule is the "starting point of an absolute schedule". Absolute: "relative to a
  // fixed point in time defined in the schedule"; RecurrencyKindType restarts "at the same time as
  // in the startSchedule"; Relative: a start point "determined by the charge point".
  const hasStart = schedule['startSchedule'] !== undefined;
  if ((kind === 'Absolute' || kind === 'Recurring') && !hasStart) {
    found.push(violation(`${at}/startSchedule`, `is required for a${kind === 'Absolute' ? 'n' : ''} ${kind} profile: its periods count from it (OCPP 1.6 §7.13)`));
  }
  if (kind === 'Relative' && hasStart) found.push(violation(`${at}/startSchedule`, 'must be absent in a Relative profile: it starts when the charger starts charging (OCPP 1.6 §7.13)'));
  const periods = Array.isArray(schedule['chargingSchedulePeriod']) ? (schedule['chargingSchedulePeriod'] as unknown[]) : [];
  let previous: number | undefined;
  periods.forEach((period, i) => {
    const start = isObject(period) ? period['startPeriod'] : undefined;
    if (typeof start !== 'number') return;
    // §7.13: "The startSchedule of the first ChargingSchedulePeriod SHALL always be 0."
    if (i === 0 && start !== 0) found.push(violation(`${at}/chargingSchedulePeriod/0/startPeriod`, 'must be 0 in the first period (OCPP 1.6 §7.13)', { allowedValue: 0 }));
    // §7.14 startPeriod "also defines the stop time of the previous period": it must come after that period's start.
    if (i > 0 && previous !== undefined && start <= previous) {
      found.push(violation(`${at}/chargingSchedulePeriod/${i}/startPeriod`, `must be greater than the previous period's (${previous}): it ends that period (OCPP 1.6 §7.14)`, { exclusiveMinimum: previous }));
    }
    previous = start;
  });
  return found;
}
