/** Versions, version details and credentials objects of both versions (`version_information_endpoint`, `credentials`). */
import { z } from 'zod';
import { BusinessDetails, CiString, CountryCode, PartyId } from './common.js';
import type { OcpiVersion } from './status.js';

/** Module identifiers the hub knows. `chargingprofiles` on 2.1.1 is our custom module (guide §7.8). */
export const ModuleId = {
  Credentials: 'credentials',
  Locations: 'locations',
  Sessions: 'sessions',
  Cdrs: 'cdrs',
  Tariffs: 'tariffs',
  Tokens: 'tokens',
  Commands: 'commands',
  ChargingProfiles: 'chargingprofiles',
  HubClientInfo: 'hubclientinfo',
} as const;
export type ModuleId = (typeof ModuleId)[keyof typeof ModuleId];

export const Version = z.looseObject({ version: z.string().min(1), url: z.string().url() });
export const VersionList = z.array(Version);

export const Endpoint211 = z.looseObject({ identifier: z.string().min(1), url: z.string().url() });
export const Endpoint221 = z.looseObject({ identifier: z.string().min(1), role: z.enum(['SENDER', 'RECEIVER']), url: z.string().url() });
export const VersionDetails211 = z.looseObject({ version: z.literal('2.1.1'), endpoints: z.array(Endpoint211) });
export const VersionDetails221 = z.looseObject({ version: z.literal('2.2.1'), endpoints: z.array(Endpoint221) });

/** One partner endpoint, normalised across versions (2.1.1 endpoints carry no role). */
export interface PartnerEndpoint {
  identifier: string;
  role?: 'SENDER' | 'RECEIVER';
  url: string;
}

/** Parses version details of the given version into normalised endpoints, or explains why not. */
export function parseVersionDetails(version: OcpiVersion, body: unknown): { ok: true; endpoints: PartnerEndpoint[] } | { ok: false; reason: string } {
  const schema = version === '2.2.1' ? VersionDetails221 : VersionDetails211;
  const parsed = schema.safeParse(body);
  if (!parsed.success) return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  return { ok: true, endpoints: parsed.data.endpoints.map((e) => ({ identifier: e.identifier, url: e.url, role: 'role' in e ? (e.role as PartnerEndpoint['role']) : undefined })) };
}

/** The partner URL of a module, preferring the wanted 2.2.1 interface role. */
export function endpointUrl(endpoints: PartnerEndpoint[], module: string, role?: 'SENDER' | 'RECEIVER'): string | undefined {
  const matches = endpoints.filter((e) => e.identifier === module);
  return (matches.find((e) => !role || !e.role || e.role === role) ?? undefined)?.url;
}

export const Role = z.enum(['CPO', 'EMSP', 'HUB', 'NAP', 'NSP', 'OTHER', 'SCSP']);
export type Role = z.infer<typeof Role>;

/** The credentials token: printable ASCII, no whitespace (`credentials` §Credentials object). */
export const CredentialsToken = z.string().min(1).max(64).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

export const Credentials211 = z.looseObject({
  token: CredentialsToken,
  url: z.string().url(),
  business_details: BusinessDetails,
  party_id: PartyId,
  country_code: CountryCode,
});
export type Credentials211 = z.infer<typeof Credentials211>;

export const CredentialsRole = z.looseObject({
  role: Role,
  business_details: BusinessDetails,
  party_id: PartyId,
  country_code: CountryCode,
});
export const Credentials221 = z.looseObject({
  token: CredentialsToken,
  url: z.string().url(),
  roles: z.array(CredentialsRole).min(1),
});
export type Credentials221 = z.infer<typeof Credentials221>;

/** A party with its role, as credentials describe it, normalised across versions. */
export interface CredentialParty {
  countryCode: string;
  partyId: string;
  role: Role;
}

/**
 * Parses an inbound credentials object. On 2.1.1 the party's role is not on the wire: the face the
 * partner connected to tells it (`impliedRole`).
 */
export function parseCredentials(version: OcpiVersion, body: unknown, impliedRole: Role): { ok: true; token: string; url: string; parties: CredentialParty[]; businessDetails: unknown } | { ok: false; reason: string } {
  if (version === '2.2.1') {
    const p = Credentials221.safeParse(body);
    if (!p.success) return { ok: false, reason: describe(p.error) };
    return {
      ok: true,
      token: p.data.token,
      url: p.data.url,
      parties: p.data.roles.map((r) => ({ countryCode: r.country_code.toUpperCase(), partyId: r.party_id.toUpperCase(), role: r.role })),
      businessDetails: p.data.roles[0].business_details,
    };
  }
  const p = Credentials211.safeParse(body);
  if (!p.success) return { ok: false, reason: describe(p.error) };
  return { ok: true, token: p.data.token, url: p.data.url, parties: [{ countryCode: p.data.country_code.toUpperCase(), partyId: p.data.party_id.toUpperCase(), role: impliedRole }], businessDetails: p.data.business_details };
}

/** The hub's own credentials object for the version of the connection. */
export function hubCredentials(version: OcpiVersion, o: { token: string; url: string; hub: { countryCode: string; partyId: string }; name: string }): Record<string, unknown> {
  const business_details = { name: o.name };
  if (version === '2.2.1') {
    return { token: o.token, url: o.url, roles: [{ role: 'HUB', business_details, party_id: o.hub.partyId, country_code: o.hub.countryCode }] };
  }
  return { token: o.token, url: o.url, business_details, party_id: o.hub.partyId, country_code: o.hub.countryCode };
}

export function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
    .join('; ');
}

/** Ids used by `CiString` fields of credentials. */
export const CiId = CiString(36);
