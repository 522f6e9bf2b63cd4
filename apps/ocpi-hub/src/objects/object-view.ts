import { convertObject, toV211, type ConvertibleModule, type LocationLevel, type OcpiVersion, type PartyRef } from '@cpo/ocpi-protocol';
import type { Connection } from '../partners/partner.types.js';

type Json = Record<string, unknown>;

export type Reader = Pick<Connection, 'version' | 'ownerIdExtensions'>;

export interface ViewOptions {
  /** Which part of a Location tree `data` is; sub-objects carry no owner ids. */
  level?: LocationLevel;
  /** A PATCH body: converted field by field, no owner ids added. */
  partial?: boolean;
  /** The owner's cached 2.2.1 Location a Session or CDR refers to (2.1.1 embeds it). */
  location?: Json;
  /**
   * The party the view is delivered to (a push's target, a GET's reader). A 2.1.1 Session or CDR
   * names its eMSP's token by contract id only; 2.2.1 wants the eMSP's ids in the CdrToken, and the
   * eMSP it is delivered to is the token's owner. Unset where the receiver is not that eMSP.
   */
  audience?: PartyRef;
}

/**
 * An object as a given partner should see it: converted to the reader's version (the cache keeps
 * each object in the version it was pushed in), then owner ids: 2.1.1 partners get them as
 * extension fields (or none, per partner flag); 2.2.1 partners always get them.
 */
export function viewFor(reader: Reader, module: ConvertibleModule, data: Json, owner: PartyRef, source: OcpiVersion, o: ViewOptions = {}): Json {
  const version = reader.version as OcpiVersion;
  const level = o.level ?? 'location';
  const converted = convertObject(module, source, version, data, { owner, level, location: o.location, audience: o.audience });
  if (level !== 'location' || o.partial) return converted;
  if (version === '2.1.1') return toV211(converted, owner, { ownerIdExtensions: reader.ownerIdExtensions });
  if (typeof converted.country_code === 'string' && typeof converted.party_id === 'string') return converted;
  return { country_code: owner.countryCode, party_id: owner.partyId, ...converted };
}

/** The party of a cached object's `audience` (`CC*PID`, see partyKey): the eMSP a Session or CDR belongs to. */
export function audienceParty(audience: string | null | undefined): PartyRef | undefined {
  const [countryCode, partyId] = audience?.split('*') ?? [];
  return countryCode && partyId ? { countryCode, partyId } : undefined;
}

/** Whether a Session or CDR going from `source` to `reader` needs the cached Location (2.2.1 → 2.1.1). */
export function needsLocation(module: ConvertibleModule, source: OcpiVersion, reader: Reader): boolean {
  return (module === 'sessions' || module === 'cdrs') && source === '2.2.1' && reader.version === '2.1.1';
}

/** Whether a cached Location may reach a party (2.2.1 `publish` / `publish_allowed_to`). */
export function publishedTo(data: Json, party: PartyRef): boolean {
  if (data.publish !== false) return true;
  const allowed = Array.isArray(data.publish_allowed_to) ? (data.publish_allowed_to as Json[]) : [];
  return allowed.some((a) => String(a.country_code ?? '').toUpperCase() === party.countryCode && String(a.party_id ?? '').toUpperCase() === party.partyId);
}
