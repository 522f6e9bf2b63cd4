import { ocpiDateTime } from './evse-status.js';

/**
 * `last_updated` of an own Session or CDR: when the hub writes the change, not the charger's time
 * of the event. OCPI defines it as the time of the last update in the CPO's system, and eMSPs poll
 * by it (`date_from` = their last poll): a stop a charger queued offline for hours, dated at the
 * stop, would fall before that and never be fetched (a failed push is not retried). Never before
 * the object's previous value (a clock step back, or an object cached before this rule), so the
 * object never moves back out of a poll window that has already seen it.
 */
export function processedAt(previous?: unknown, now: Date = new Date()): string {
  const prior = typeof previous === 'string' ? Date.parse(previous) : Number.NaN;
  return !Number.isNaN(prior) && prior > now.getTime() ? String(previous) : ocpiDateTime(now.toISOString());
}
