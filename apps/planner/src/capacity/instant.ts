import { parseDateTimeMs } from '@cpo/ocpp-protocol';
import { ValidationError } from '@cpo/platform';

/**
 * Parses an optional ISO-8601 query parameter into epoch ms (400 naming the field when it is not
 * one): a date-time with its zone and a real calendar date, as the operator caps take them.
 * `Date.parse` took 2026-02-30 as 2 March, US-style dates, and a time without a zone in the
 * server's own.
 */
export function parseInstant(value: string | undefined, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = parseDateTimeMs(value);
  if (ms === undefined) throw new ValidationError(`${field} is not an ISO-8601 instant`, { [field]: 'must be an ISO-8601 instant with its zone, e.g. 2026-12-05T00:00:00+08:00' });
  return ms;
}
