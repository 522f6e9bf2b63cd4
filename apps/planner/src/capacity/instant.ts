import { ValidationError } from '@cpo/platform';

/** Parses an optional ISO-8601 query parameter into epoch ms (400 naming the field when it is not one). */
export function parseInstant(value: string | undefined, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new ValidationError(`${field} is not an ISO-8601 instant`, { [field]: 'must be an ISO-8601 instant, e.g. 2026-12-05T00:00:00+08:00' });
  return ms;
}
