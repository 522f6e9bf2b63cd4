import { parseDateTimeMs } from '@cpo/ocpp-protocol';
import { ValidationError } from '@cpo/platform';

/**
 * Parses an OCPP `dateTime` with the validator's own definition (so whatever passed validation is
 * read: a leap second, a `+02` offset), lenient on the zone: chargers in the field omit the `Z`
 * (guide §1.10), and a timestamp without one is taken as UTC rather than refused or read in the
 * server's zone.
 */
export function parseOcppTime(text: string): Date {
  const ms = parseDateTimeMs(text, { missingZone: 'utc' });
  if (ms === undefined) throw new ValidationError(`not a date-time: ${JSON.stringify(text)}`);
  return new Date(ms);
}
