import { ValidationError } from '@cpo/platform';

const HAS_ZONE = /(?:[Zz]|[+-]\d{2}:?\d{2})$/;

/**
 * Parses an OCPP `dateTime`. Chargers in the field omit the `Z` (guide §1.10): a timestamp
 * without a zone is taken as UTC rather than refused or read in the server's zone.
 */
export function parseOcppTime(text: string): Date {
  const date = new Date(HAS_ZONE.test(text) ? text : `${text}Z`);
  if (Number.isNaN(date.getTime())) throw new ValidationError(`not a date-time: ${JSON.stringify(text)}`);
  return date;
}
