import { toV211, type OcpiVersion, type PartyRef } from '@cpo/ocpi-protocol';
import type { Connection } from '../partners/partner.types.js';

type Json = Record<string, unknown>;

/**
 * An object as a given partner should see it: 2.1.1 partners get the owner ids as extension
 * fields (or none, per partner flag); 2.2.1 partners always get them, also on objects a 2.1.1
 * owner pushed. Sub-objects (EVSE, connector) carry no owner ids.
 */
export function viewFor(reader: Pick<Connection, 'version' | 'ownerIdExtensions'>, data: Json, owner: PartyRef, topLevel = true): Json {
  if (!topLevel) return data;
  if ((reader.version as OcpiVersion) === '2.1.1') return toV211(data, owner, { ownerIdExtensions: reader.ownerIdExtensions });
  if (typeof data.country_code === 'string' && typeof data.party_id === 'string') return data;
  return { country_code: owner.countryCode, party_id: owner.partyId, ...data };
}

/** Whether a cached Location may reach a party (2.2.1 `publish` / `publish_allowed_to`). */
export function publishedTo(data: Json, party: PartyRef): boolean {
  if (data.publish !== false) return true;
  const allowed = Array.isArray(data.publish_allowed_to) ? (data.publish_allowed_to as Json[]) : [];
  return allowed.some((a) => String(a.country_code ?? '').toUpperCase() === party.countryCode && String(a.party_id ?? '').toUpperCase() === party.partyId);
}
