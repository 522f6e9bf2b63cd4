import { createHash } from 'node:crypto';
import { isLegacyStationIdentity } from '@cpo/contracts';

/** OCPP 2.0.1 identifierString characters, minus `:` (it would break the Basic-auth `user:pass` split). */
const STRICT_IDENTITY = /^[A-Za-z0-9*\-_=+|@.]{1,48}$/;
/** Legacy fleets: any printable character except `:` and `/` (the OCPP-J example identity has a space). */
export const isLegacyIdentity = isLegacyStationIdentity;

export type IdentityResult = { ok: true; stationId: string } | { ok: false; status: 400 | 404; reason: string };

/**
 * Slashes a charger's URL may carry around its identity: empty segments before it (a central-system
 * URL configured with a trailing `/`, to which the charger appends `/{identity}`) and one after it.
 * Only on the raw path: a `%2F` is part of the identity, which then fails the character check.
 */
const SLASHES_AROUND_IDENTITY = /^\/*([^/]*)\/?$/;

/**
 * The charge point identity from the upgrade URL `{prefix}/{identity}`: percent-decoded once and
 * checked before the upgrade, so nothing half-initialised ever reaches business code. The returned
 * identity is the normalised one, and the only one the rest of the connection sees (credentials'
 * user, logs, presence, the station row).
 */
export function identityFromPath(url: string | undefined, prefix: string, legacy: boolean): IdentityResult {
  const path = (url ?? '').split('?')[0]!;
  if (!path.startsWith(`${prefix}/`)) return { ok: false, status: 404, reason: 'not an OCPP endpoint' };
  const encoded = SLASHES_AROUND_IDENTITY.exec(path.slice(prefix.length + 1))?.[1];
  if (!encoded) return { ok: false, status: 400, reason: 'expected exactly one path segment after the endpoint' };
  let stationId: string;
  try {
    stationId = decodeURIComponent(encoded);
  } catch {
    return { ok: false, status: 400, reason: 'identity is not valid percent-encoding' };
  }
  if (!(legacy ? isLegacyIdentity(stationId) : STRICT_IDENTITY.test(stationId))) return { ok: false, status: 400, reason: 'identity has characters outside the allowed set or more than 48' };
  return { ok: true, stationId };
}

/** Parses `Authorization: Basic …` into the user and the password bytes (chargers send hex text or raw key bytes). */
export function basicCredentials(header: string | undefined): { user: string; password: Buffer } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64');
  const colon = decoded.indexOf(0x3a);
  if (colon < 0) return undefined;
  return { user: decoded.subarray(0, colon).toString('utf8'), password: decoded.subarray(colon + 1) };
}

/**
 * How a station authenticates, as a short digest: its password hash and security profile. A live
 * session keeps the one it was admitted under, so a change it never heard of shows (see SessionRecheck).
 * A pending key is not part of it: it is accepted beside the current one, and its first use replaces it.
 */
export function credentialsFingerprint(station: { passwordHash: string | null; securityProfile: number }): string {
  return createHash('sha256').update(`${station.securityProfile}\u0000${station.passwordHash ?? ''}`).digest('base64url');
}
