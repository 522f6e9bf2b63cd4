/** Field types shared by the OCPI modules (`types.*`). */
import { z } from 'zod';

/**
 * OCPI DateTime: RFC 3339 in UTC; the zone designator may be absent (meaning UTC), fractions are allowed.
 * Kept as the string the owner sent: the hub never re-serialises `last_updated`.
 */
export const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]00:00)?$/;
export const DateTime = z.string().regex(DATE_TIME, 'expected an OCPI DateTime (UTC, RFC 3339)');

/** Parses an OCPI DateTime; a value without a designator is UTC. */
export function parseDateTime(value: string): Date | undefined {
  if (!DATE_TIME.test(value)) return undefined;
  const normalised = /(?:Z|[+-]00:00)$/.test(value) ? value : `${value}Z`;
  const d = new Date(normalised);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Case-insensitive ASCII string with a maximum length. */
export const CiString = (max: number) => z.string().min(1).max(max).regex(/^[\x20-\x7e]*$/, 'ASCII only');
export const OcpiString = (max: number) => z.string().max(max);
export const CountryCode = z.string().regex(/^[A-Za-z]{2}$/, 'two letters');
export const PartyId = z.string().regex(/^[A-Za-z0-9]{3}$/, 'three letters or digits');

export const DisplayText = z.looseObject({ language: z.string().length(2), text: z.string().max(512) });

export const GeoLocation = z.looseObject({
  latitude: z.string().regex(/^-?[0-9]{1,2}\.[0-9]{5,7}$/),
  longitude: z.string().regex(/^-?[0-9]{1,3}\.[0-9]{5,7}$/),
});

export const BusinessDetails = z.looseObject({
  name: z.string().min(1).max(100),
  website: z.string().optional(),
  logo: z.unknown().optional(),
});

/** A party's identity on the wire. Compared case-insensitively (CiString), stored upper-cased. */
export interface PartyRef {
  countryCode: string;
  partyId: string;
}

export function partyKey(p: PartyRef): string {
  return `${p.countryCode.toUpperCase()}*${p.partyId.toUpperCase()}`;
}

export function sameParty(a: PartyRef, b: PartyRef): boolean {
  return partyKey(a) === partyKey(b);
}
