/**
 * 2.1.1 ↔ 2.2.1 owner ids. 2.1.1 objects carry no `country_code`/`party_id`: towards 2.1.1
 * partners the hub adds them as extension fields (switchable per partner, guide §7.5); from 2.1.1
 * senders the owner comes from the connection.
 */
import type { PartyRef } from './common.js';

type Json = Record<string, unknown>;

export interface BackportOptions {
  /** Add the owner's ids as extension fields (off for strict 2.1.1 parsers). */
  ownerIdExtensions: boolean;
}

/** A copy of `body` shaped for a 2.1.1 receiver: owner ids added when enabled, removed otherwise. */
export function toV211(body: Json, owner: PartyRef, options: BackportOptions): Json {
  const { country_code: _cc, party_id: _pid, ...rest } = body;
  return options.ownerIdExtensions ? { country_code: owner.countryCode, party_id: owner.partyId, ...rest } : rest;
}

/** The owner ids inside a body, when it has both. */
export function bodyOwner(body: Json): PartyRef | undefined {
  const cc = body.country_code;
  const pid = body.party_id;
  return typeof cc === 'string' && typeof pid === 'string' ? { countryCode: cc.toUpperCase(), partyId: pid.toUpperCase() } : undefined;
}

/** The `authorization_reference` of a body, also accepting Gireve's `authorization_id` (guide §7.7). */
export function authorizationReference(body: Json): string | undefined {
  const v = body.authorization_reference ?? body.authorization_id;
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}
