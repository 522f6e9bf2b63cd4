/**
 * Locations module objects (`mod_locations.*`). Schemas check the fields the hub relies on and the
 * required fields of each version; unknown fields pass (extensions, back-ported owner ids), because
 * the hub stores the owner's body as sent.
 */
import { z } from 'zod';
import { CiString, CountryCode, DateTime, DisplayText, GeoLocation, OcpiString, PartyId } from './common.js';
import type { OcpiVersion } from './status.js';

export const EvseStatus = z.enum(['AVAILABLE', 'BLOCKED', 'CHARGING', 'INOPERATIVE', 'OUTOFORDER', 'PLANNED', 'REMOVED', 'RESERVED', 'UNKNOWN']);

export const Connector211 = z.looseObject({
  id: CiString(36),
  standard: z.string().min(1),
  format: z.enum(['SOCKET', 'CABLE']),
  power_type: z.enum(['AC_1_PHASE', 'AC_3_PHASE', 'DC']),
  voltage: z.number().int(),
  amperage: z.number().int(),
  tariff_id: CiString(36).optional(),
  last_updated: DateTime,
});
export const Connector221 = z.looseObject({
  id: CiString(36),
  standard: z.string().min(1),
  format: z.enum(['SOCKET', 'CABLE']),
  power_type: z.enum(['AC_1_PHASE', 'AC_2_PHASE', 'AC_2_PHASE_SPLIT', 'AC_3_PHASE', 'DC']),
  max_voltage: z.number().int(),
  max_amperage: z.number().int(),
  tariff_ids: z.array(CiString(36)).optional(),
  last_updated: DateTime,
});

export const Evse211 = z.looseObject({
  uid: CiString(39),
  evse_id: CiString(48).optional(),
  status: EvseStatus,
  connectors: z.array(Connector211).min(1),
  last_updated: DateTime,
});
export const Evse221 = z.looseObject({
  uid: CiString(36),
  evse_id: CiString(48).optional(),
  status: EvseStatus,
  connectors: z.array(Connector221).min(1),
  last_updated: DateTime,
});

export const Location211 = z.looseObject({
  id: CiString(39),
  type: z.enum(['ON_STREET', 'PARKING_GARAGE', 'UNDERGROUND_GARAGE', 'PARKING_LOT', 'OTHER', 'UNKNOWN']),
  name: OcpiString(255).optional(),
  address: OcpiString(45),
  city: OcpiString(45),
  postal_code: OcpiString(10),
  country: z.string().length(3),
  coordinates: GeoLocation,
  evses: z.array(Evse211).optional(),
  directions: z.array(DisplayText).optional(),
  last_updated: DateTime,
});
export const Location221 = z.looseObject({
  country_code: CountryCode,
  party_id: PartyId,
  id: CiString(36),
  publish: z.boolean(),
  publish_allowed_to: z.array(z.unknown()).optional(),
  name: OcpiString(255).optional(),
  address: OcpiString(45),
  city: OcpiString(45),
  postal_code: OcpiString(10).optional(),
  country: z.string().length(3),
  coordinates: GeoLocation,
  evses: z.array(Evse221).optional(),
  time_zone: z.string().min(1),
  last_updated: DateTime,
});

/** The part of a Location tree a URL addresses. */
export type LocationLevel = 'location' | 'evse' | 'connector';

/** The schema of a full object (PUT) at a level. */
export function locationSchema(version: OcpiVersion, level: LocationLevel): z.ZodObject {
  if (level === 'location') return version === '2.2.1' ? Location221 : Location211;
  if (level === 'evse') return version === '2.2.1' ? Evse221 : Evse211;
  return version === '2.2.1' ? Connector221 : Connector211;
}

/** The id field of a level (Location `id`, EVSE `uid`, Connector `id`). */
export function idField(level: LocationLevel): 'id' | 'uid' {
  return level === 'evse' ? 'uid' : 'id';
}

export type Json = Record<string, unknown>;

/**
 * Merges a PUT or PATCH of an EVSE or connector into a cached Location. The parents' `last_updated`
 * take the child's value (from the owner's data: the hub invents no timestamps).
 */
export function mergeIntoLocation(location: Json, path: { evseUid?: string; connectorId?: string }, child: Json, mode: 'put' | 'patch'): { ok: true; location: Json } | { ok: false; reason: string } {
  const copy = structuredClone(location);
  if (!path.evseUid) {
    return { ok: true, location: mode === 'put' ? child : { ...copy, ...child } };
  }
  const evses = (Array.isArray(copy.evses) ? copy.evses : []) as Json[];
  copy.evses = evses;
  let evseIdx = evses.findIndex((e) => e.uid === path.evseUid);
  const childLastUpdated = child.last_updated;
  if (!path.connectorId) {
    if (evseIdx < 0) {
      if (mode === 'patch') return { ok: false, reason: `unknown EVSE ${path.evseUid}` };
      evses.push(child);
    } else evses[evseIdx] = mode === 'put' ? child : { ...evses[evseIdx], ...child };
  } else {
    if (evseIdx < 0) return { ok: false, reason: `unknown EVSE ${path.evseUid}` };
    const evse = { ...evses[evseIdx] };
    const connectors = [...((evse.connectors as Json[] | undefined) ?? [])];
    const cIdx = connectors.findIndex((c) => c.id === path.connectorId);
    if (cIdx < 0) {
      if (mode === 'patch') return { ok: false, reason: `unknown connector ${path.connectorId}` };
      connectors.push(child);
    } else connectors[cIdx] = mode === 'put' ? child : { ...connectors[cIdx], ...child };
    evse.connectors = connectors;
    if (typeof childLastUpdated === 'string') evse.last_updated = childLastUpdated;
    evses[evseIdx] = evse;
    evseIdx = -1;
  }
  if (typeof childLastUpdated === 'string') copy.last_updated = childLastUpdated;
  return { ok: true, location: copy };
}

/** Finds an EVSE or connector inside a cached Location (GET of a sub-object). */
export function pickFromLocation(location: Json, path: { evseUid?: string; connectorId?: string }): Json | undefined {
  if (!path.evseUid) return location;
  const evse = ((location.evses as Json[] | undefined) ?? []).find((e) => e.uid === path.evseUid);
  if (!evse || !path.connectorId) return evse;
  return ((evse.connectors as Json[] | undefined) ?? []).find((c) => c.id === path.connectorId);
}
