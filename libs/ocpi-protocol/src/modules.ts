/**
 * Tariffs, Tokens, Sessions and CDRs objects (`mod_*`), per version. Only what the hub needs to
 * route and store is checked in depth; the rest of each object passes as the owner sent it.
 */
import { z } from 'zod';
import { CiString, CountryCode, DateTime, DisplayText, PartyId } from './common.js';
import type { OcpiVersion } from './status.js';

export const Whitelist = z.enum(['ALWAYS', 'ALLOWED', 'ALLOWED_OFFLINE', 'NEVER']);
export const TokenType211 = z.enum(['RFID', 'OTHER']);
export const TokenType221 = z.enum(['AD_HOC_USER', 'APP_USER', 'OTHER', 'RFID']);

export const Token211 = z.looseObject({
  uid: CiString(36),
  type: TokenType211,
  auth_id: CiString(36),
  visual_number: z.string().max(64).optional(),
  issuer: z.string().max(64),
  valid: z.boolean(),
  whitelist: Whitelist,
  language: z.string().length(2).optional(),
  last_updated: DateTime,
});
export const Token221 = z.looseObject({
  country_code: CountryCode,
  party_id: PartyId,
  uid: CiString(36),
  type: TokenType221,
  contract_id: CiString(36),
  visual_number: z.string().max(64).optional(),
  issuer: z.string().max(64),
  group_id: CiString(36).optional(),
  valid: z.boolean(),
  whitelist: Whitelist,
  language: z.string().length(2).optional(),
  last_updated: DateTime,
});

const TariffElement = z.looseObject({ price_components: z.array(z.looseObject({ type: z.string(), price: z.number(), step_size: z.number().int() })).min(1) });
export const Tariff211 = z.looseObject({ id: CiString(36), currency: z.string().length(3), elements: z.array(TariffElement).min(1), last_updated: DateTime });
export const Tariff221 = z.looseObject({
  country_code: CountryCode,
  party_id: PartyId,
  id: CiString(36),
  currency: z.string().length(3),
  elements: z.array(TariffElement).min(1),
  last_updated: DateTime,
});

const SessionStatus = z.enum(['ACTIVE', 'COMPLETED', 'INVALID', 'PENDING', 'RESERVATION']);
export const Session211 = z.looseObject({
  id: CiString(36),
  start_datetime: DateTime,
  kwh: z.number(),
  auth_id: CiString(36),
  auth_method: z.enum(['AUTH_REQUEST', 'WHITELIST']),
  location: z.looseObject({ id: CiString(39) }),
  currency: z.string().length(3),
  status: SessionStatus,
  last_updated: DateTime,
});
export const Session221 = z.looseObject({
  country_code: CountryCode,
  party_id: PartyId,
  id: CiString(36),
  start_date_time: DateTime,
  kwh: z.number(),
  cdr_token: z.looseObject({ uid: CiString(36), type: TokenType221, contract_id: CiString(36) }),
  auth_method: z.enum(['AUTH_REQUEST', 'COMMAND', 'WHITELIST']),
  authorization_reference: CiString(36).optional(),
  location_id: CiString(36),
  evse_uid: CiString(36),
  connector_id: CiString(36),
  currency: z.string().length(3),
  status: SessionStatus,
  last_updated: DateTime,
});

export const Cdr211 = z.looseObject({
  id: CiString(36),
  start_date_time: DateTime,
  stop_date_time: DateTime,
  auth_id: CiString(36),
  auth_method: z.enum(['AUTH_REQUEST', 'WHITELIST']),
  location: z.looseObject({ id: CiString(39) }),
  currency: z.string().length(3),
  charging_periods: z.array(z.unknown()).min(1),
  total_cost: z.number(),
  total_energy: z.number(),
  total_time: z.number(),
  last_updated: DateTime,
});
export const Cdr221 = z.looseObject({
  country_code: CountryCode,
  party_id: PartyId,
  id: CiString(39),
  start_date_time: DateTime,
  end_date_time: DateTime,
  cdr_token: z.looseObject({ uid: CiString(36), type: TokenType221, contract_id: CiString(36) }),
  auth_method: z.enum(['AUTH_REQUEST', 'COMMAND', 'WHITELIST']),
  authorization_reference: CiString(36).optional(),
  cdr_location: z.looseObject({ id: CiString(36) }),
  currency: z.string().length(3),
  charging_periods: z.array(z.unknown()).min(1),
  total_cost: z.looseObject({ excl_vat: z.number() }),
  total_energy: z.number(),
  total_time: z.number(),
  last_updated: DateTime,
});

export type ObjectModule = 'locations' | 'tariffs' | 'tokens' | 'sessions' | 'cdrs';

/** The full-object schema of a module and version (Locations: see `locationSchema`). */
export function objectSchema(module: Exclude<ObjectModule, 'locations'>, version: OcpiVersion): z.ZodObject {
  const table = {
    tariffs: [Tariff211, Tariff221],
    tokens: [Token211, Token221],
    sessions: [Session211, Session221],
    cdrs: [Cdr211, Cdr221],
  } as const;
  return table[module][version === '2.2.1' ? 1 : 0];
}

export const AllowedType = z.enum(['ALLOWED', 'BLOCKED', 'EXPIRED', 'NO_CREDIT', 'NOT_ALLOWED']);
export type AllowedType = z.infer<typeof AllowedType>;

export const AuthorizationInfo = z.looseObject({
  allowed: AllowedType,
  authorization_reference: CiString(36).optional(),
  authorization_id: CiString(36).optional(),
  info: DisplayText.optional(),
  location: z.unknown().optional(),
  token: z.unknown().optional(),
});
export type AuthorizationInfo = z.infer<typeof AuthorizationInfo>;

/** `LocationReferences` body of a real-time authorisation request (2.1.1 also has `connector_ids`). */
export const LocationReferences = z.looseObject({
  location_id: CiString(36),
  evse_uids: z.array(CiString(36)).optional(),
  connector_ids: z.array(CiString(36)).optional(),
});

/** Refusals from most to least specific (guide §8.3). */
const REFUSAL_ORDER: AllowedType[] = ['BLOCKED', 'EXPIRED', 'NO_CREDIT', 'NOT_ALLOWED'];

/** The most specific refusal of several eMSP answers, or undefined when there is none. */
export function mostSpecificRefusal(answers: AllowedType[]): AllowedType | undefined {
  return REFUSAL_ORDER.find((r) => answers.includes(r));
}

/**
 * The eMSP a contract id or 2.1.1 `auth_id` names, from its eMI3 prefix: `NL-TNM-…`, `NLTNM…`
 * (guide §8.2). Undefined when the value does not start with one.
 */
export function contractIdOwner(contractId: string): { countryCode: string; partyId: string } | undefined {
  const m = /^([A-Za-z]{2})[-*]?([A-Za-z0-9]{3})/.exec(contractId);
  return m ? { countryCode: m[1].toUpperCase(), partyId: m[2].toUpperCase() } : undefined;
}
