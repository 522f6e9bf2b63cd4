/**
 * 2.1.1 ↔ 2.2.1 shape conversion of the objects the hub stores and routes (guide §1: the internal
 * model is 2.2.1 and every edge gets a version adapter; §5 lists the differences). Works on whole
 * objects and on PATCH bodies alike: only the fields present are converted, nothing is invented
 * except where the target version requires a field the source cannot have (noted per field).
 * `last_updated` is never touched. Owner ids are handled separately (backport.ts).
 */
import type { PartyRef } from './common.js';
import type { LocationLevel } from './locations.js';
import type { OcpiVersion } from './status.js';

type Json = Record<string, unknown>;

export type ConvertibleModule = 'locations' | 'tariffs' | 'tokens' | 'sessions' | 'cdrs';

export interface ConvertContext {
  /** The object's owner (2.2.1 objects embedded in a converted one need its ids). */
  owner: PartyRef;
  /** Which part of a Location tree the object is (EVSE/connector PUTs and PATCHes). */
  level?: LocationLevel;
  /**
   * The owner's cached Location (2.2.1 shape) a Session or CDR refers to: a 2.1.1 Session embeds
   * the whole Location, which a 2.2.1 Session only names by id.
   */
  location?: Json;
  /**
   * The party the converted object is delivered to. Sessions and CDRs travel only CPO → eMSP, to
   * the eMSP whose token they name, so this is the token's owner: a 2.2.1 CdrToken requires its ids,
   * which a 2.1.1 `auth_id` does not carry. Leave it unset when the receiver is not that eMSP
   * (nothing is invented then).
   */
  audience?: PartyRef;
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const has = (o: Json, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Renames a field when present (PATCH bodies carry only some). */
function rename(o: Json, from: string, to: string): void {
  if (!has(o, from)) return;
  o[to] = o[from];
  delete o[from];
}

function drop(o: Json, ...keys: string[]): void {
  for (const k of keys) delete o[k];
}

// ---------- Locations ----------

const PARKING_TO_TYPE: Record<string, string> = { ON_STREET: 'ON_STREET', PARKING_GARAGE: 'PARKING_GARAGE', UNDERGROUND_GARAGE: 'UNDERGROUND_GARAGE', PARKING_LOT: 'PARKING_LOT', ALONG_MOTORWAY: 'OTHER', ON_DRIVEWAY: 'OTHER' };
const TYPE_TO_PARKING: Record<string, string> = { ON_STREET: 'ON_STREET', PARKING_GARAGE: 'PARKING_GARAGE', UNDERGROUND_GARAGE: 'UNDERGROUND_GARAGE', PARKING_LOT: 'PARKING_LOT' };
const CAPABILITIES_211 = new Set(['CHARGING_PROFILE_CAPABLE', 'CREDIT_CARD_PAYABLE', 'REMOTE_START_STOP_CAPABLE', 'RESERVABLE', 'RFID_READER', 'UNLOCK_CAPABLE']);
const FACILITIES_211 = new Set(['HOTEL', 'RESTAURANT', 'CAFE', 'MALL', 'SUPERMARKET', 'SPORT', 'RECREATION_AREA', 'NATURE', 'MUSEUM', 'BUS_STOP', 'TAXI_STAND', 'TRAIN_STATION', 'AIRPORT', 'CARPOOL_PARKING', 'FUEL_STATION', 'WIFI']);

function connectorTo221(c: Json): Json {
  const o = { ...c };
  rename(o, 'voltage', 'max_voltage');
  rename(o, 'amperage', 'max_amperage');
  if (has(o, 'tariff_id')) {
    if (typeof o.tariff_id === 'string') o.tariff_ids = [o.tariff_id];
    delete o.tariff_id;
  }
  return o;
}

function connectorTo211(c: Json): Json {
  const o = { ...c };
  rename(o, 'max_voltage', 'voltage');
  rename(o, 'max_amperage', 'amperage');
  drop(o, 'max_electric_power');
  // 2.1.1 knows only single- and three-phase AC: a two-phase connector is closest to single phase.
  if (o.power_type === 'AC_2_PHASE' || o.power_type === 'AC_2_PHASE_SPLIT') o.power_type = 'AC_1_PHASE';
  if (has(o, 'tariff_ids')) {
    const ids = Array.isArray(o.tariff_ids) ? o.tariff_ids : [];
    if (typeof ids[0] === 'string') o.tariff_id = ids[0];
    delete o.tariff_ids;
  }
  return o;
}

function evseTo(version: OcpiVersion, e: Json): Json {
  const o = { ...e };
  if (Array.isArray(o.connectors)) o.connectors = (o.connectors as Json[]).map((c) => (version === '2.2.1' ? connectorTo221(c) : connectorTo211(c)));
  if (version === '2.1.1' && Array.isArray(o.capabilities)) o.capabilities = (o.capabilities as string[]).filter((c) => CAPABILITIES_211.has(c));
  return o;
}

function locationTo221(l: Json): Json {
  const o = { ...l };
  if (has(o, 'type')) {
    const parking = TYPE_TO_PARKING[String(o.type)];
    if (parking) o.parking_type = parking;
    delete o.type;
  }
  // 2.1.1 has no publication control: everything a 2.1.1 CPO pushes is public.
  if (!has(o, 'publish') && has(o, 'address')) o.publish = true;
  if (Array.isArray(o.evses)) o.evses = (o.evses as Json[]).map((e) => evseTo('2.2.1', e));
  return o;
}

function locationTo211(l: Json): Json {
  const o = { ...l };
  if (has(o, 'parking_type')) {
    o.type = PARKING_TO_TYPE[String(o.parking_type)] ?? 'UNKNOWN';
    delete o.parking_type;
  } else if (has(o, 'address')) o.type = 'UNKNOWN'; // required in 2.1.1, optional in 2.2.1
  drop(o, 'publish', 'publish_allowed_to', 'state');
  if (Array.isArray(o.facilities)) o.facilities = (o.facilities as string[]).filter((f) => FACILITIES_211.has(f));
  if (Array.isArray(o.evses)) o.evses = (o.evses as Json[]).map((e) => evseTo('2.1.1', e));
  return o;
}

function locationPart(version: OcpiVersion, data: Json, level: LocationLevel): Json {
  if (level === 'connector') return version === '2.2.1' ? connectorTo221(data) : connectorTo211(data);
  if (level === 'evse') return evseTo(version, data);
  return version === '2.2.1' ? locationTo221(data) : locationTo211(data);
}

// ---------- Tokens ----------

function tokenTo221(t: Json, owner: PartyRef): Json {
  const o = { ...t };
  rename(o, 'auth_id', 'contract_id');
  if (has(o, 'uid') && has(o, 'issuer') && !has(o, 'country_code')) Object.assign(o, { country_code: owner.countryCode, party_id: owner.partyId });
  return o;
}

function tokenTo211(t: Json): Json {
  const o = { ...t };
  rename(o, 'contract_id', 'auth_id');
  // AD_HOC_USER and APP_USER do not exist in 2.1.1; OTHER is its catch-all.
  if (has(o, 'type') && o.type !== 'RFID') o.type = 'OTHER';
  drop(o, 'group_id', 'default_profile_type', 'energy_contract');
  return o;
}

// ---------- Tariffs ----------

function tariffTo211(t: Json): Json {
  const o = { ...t };
  drop(o, 'type', 'min_price', 'max_price', 'start_date_time', 'end_date_time');
  if (Array.isArray(o.elements)) {
    o.elements = (o.elements as Json[]).map((el) => {
      const e = { ...el };
      if (Array.isArray(e.price_components)) e.price_components = (e.price_components as Json[]).map(({ vat: _vat, ...pc }) => pc);
      if (isObj(e.restrictions)) {
        const { reservation: _r, min_current: _a, max_current: _b, ...rest } = e.restrictions;
        e.restrictions = rest;
      }
      return e;
    });
  }
  return o;
}

// ---------- Sessions and CDRs ----------

const DIMENSIONS_211 = new Set(['ENERGY', 'FLAT', 'MAX_CURRENT', 'MIN_CURRENT', 'PARKING_TIME', 'TIME']);
const DIMENSIONS_221 = new Set(['CURRENT', 'ENERGY', 'ENERGY_EXPORT', 'ENERGY_IMPORT', 'MAX_CURRENT', 'MIN_CURRENT', 'MAX_POWER', 'MIN_POWER', 'PARKING_TIME', 'POWER', 'RESERVATION_TIME', 'STATE_OF_CHARGE', 'TIME']);

function periodsTo(version: OcpiVersion, periods: unknown): unknown {
  if (!Array.isArray(periods)) return periods;
  const keep = version === '2.2.1' ? DIMENSIONS_221 : DIMENSIONS_211;
  return (periods as Json[]).map((p) => {
    const { tariff_id: tariffId, ...rest } = p;
    const dimensions = Array.isArray(p.dimensions) ? (p.dimensions as Json[]).filter((d) => keep.has(String(d.type))) : p.dimensions;
    return { ...rest, dimensions, ...(version === '2.2.1' && tariffId !== undefined ? { tariff_id: tariffId } : {}) };
  });
}

/** 2.1.1 `total_cost` is one number; 2.2.1 a Price. Incl. VAT when known, as a driver pays it. */
function costTo211(v: unknown): unknown {
  if (!isObj(v)) return v;
  return typeof v.incl_vat === 'number' ? v.incl_vat : v.excl_vat;
}
const costTo221 = (v: unknown): unknown => (typeof v === 'number' ? { excl_vat: v } : v);

/**
 * The eMSP's token as a 2.2.1 CdrToken, from a 2.1.1 `auth_id` (the contract id; the uid is not on
 * the wire). The eMSP's ids come from the audience, upper-cased as 2.2.1 stores party ids.
 */
function cdrTokenFrom211(authId: unknown, audience: PartyRef | undefined): Json {
  const party = audience ? { country_code: audience.countryCode.toUpperCase(), party_id: audience.partyId.toUpperCase() } : {};
  return { ...party, uid: authId, type: 'RFID', contract_id: authId };
}

/** The one EVSE and connector of a 2.2.1 Location a session used, as a 2.1.1 Location. */
function embeddedLocation211(location: Json | undefined, ids: { locationId: unknown; evseUid: unknown; connectorId: unknown }): Json {
  if (!location) return { id: ids.locationId, evses: [{ uid: ids.evseUid, connectors: [{ id: ids.connectorId }] }] };
  const evse = ((location.evses as Json[] | undefined) ?? []).find((e) => e.uid === ids.evseUid);
  const connector = ((evse?.connectors as Json[] | undefined) ?? []).find((c) => c.id === ids.connectorId);
  const narrowed = { ...location, evses: evse ? [{ ...evse, connectors: connector ? [connector] : evse.connectors }] : [] };
  const { country_code: _c, party_id: _p, ...rest } = locationTo211(narrowed);
  return rest;
}

function sessionTo221(s: Json, ctx: ConvertContext): Json {
  const o = { ...s };
  rename(o, 'start_datetime', 'start_date_time');
  rename(o, 'end_datetime', 'end_date_time');
  if (has(o, 'auth_id')) {
    o.cdr_token = cdrTokenFrom211(o.auth_id, ctx.audience);
    delete o.auth_id;
  }
  if (isObj(o.location)) {
    const evse = ((o.location.evses as Json[] | undefined) ?? [])[0];
    const connector = ((evse?.connectors as Json[] | undefined) ?? [])[0];
    Object.assign(o, { location_id: o.location.id, ...(evse ? { evse_uid: evse.uid } : {}), ...(connector ? { connector_id: connector.id } : {}) });
    delete o.location;
  }
  rename(o, 'authorization_id', 'authorization_reference');
  if (has(o, 'total_cost')) o.total_cost = costTo221(o.total_cost);
  if (has(o, 'charging_periods')) o.charging_periods = periodsTo('2.2.1', o.charging_periods);
  return o;
}

function sessionTo211(s: Json, ctx: ConvertContext): Json {
  const o = { ...s };
  rename(o, 'start_date_time', 'start_datetime');
  rename(o, 'end_date_time', 'end_datetime');
  if (isObj(o.cdr_token)) o.auth_id = o.cdr_token.contract_id;
  if (has(o, 'location_id')) o.location = embeddedLocation211(ctx.location, { locationId: o.location_id, evseUid: o.evse_uid, connectorId: o.connector_id });
  drop(o, 'cdr_token', 'location_id', 'evse_uid', 'connector_id');
  if (o.auth_method === 'COMMAND') o.auth_method = 'AUTH_REQUEST';
  if (has(o, 'total_cost')) o.total_cost = costTo211(o.total_cost);
  if (has(o, 'charging_periods')) o.charging_periods = periodsTo('2.1.1', o.charging_periods);
  return o;
}

function cdrTo221(c: Json, ctx: ConvertContext): Json {
  const o = { ...c };
  rename(o, 'stop_date_time', 'end_date_time');
  if (has(o, 'auth_id')) {
    o.cdr_token = cdrTokenFrom211(o.auth_id, ctx.audience);
    delete o.auth_id;
  }
  if (isObj(o.location)) {
    const l = o.location;
    const evse = ((l.evses as Json[] | undefined) ?? [])[0] ?? {};
    const connector = ((evse.connectors as Json[] | undefined) ?? [])[0] ?? {};
    o.cdr_location = {
      id: l.id,
      ...(l.name !== undefined ? { name: l.name } : {}),
      address: l.address,
      city: l.city,
      ...(l.postal_code !== undefined ? { postal_code: l.postal_code } : {}),
      country: l.country,
      coordinates: l.coordinates,
      evse_uid: evse.uid,
      evse_id: evse.evse_id ?? evse.uid,
      connector_id: connector.id,
      connector_standard: connector.standard,
      connector_format: connector.format,
      connector_power_type: connector.power_type,
    };
    delete o.location;
  }
  rename(o, 'authorization_id', 'authorization_reference');
  if (Array.isArray(o.tariffs)) o.tariffs = (o.tariffs as Json[]).map((t) => ({ country_code: ctx.owner.countryCode, party_id: ctx.owner.partyId, ...t }));
  if (has(o, 'total_cost')) o.total_cost = costTo221(o.total_cost);
  if (has(o, 'charging_periods')) o.charging_periods = periodsTo('2.2.1', o.charging_periods);
  return o;
}

function cdrTo211(c: Json, ctx: ConvertContext): Json {
  const o = { ...c };
  rename(o, 'end_date_time', 'stop_date_time');
  if (isObj(o.cdr_token)) o.auth_id = o.cdr_token.contract_id;
  if (isObj(o.cdr_location)) {
    const cl = o.cdr_location;
    const cached = ctx.location ? embeddedLocation211(ctx.location, { locationId: cl.id, evseUid: cl.evse_uid, connectorId: cl.connector_id }) : undefined;
    const cachedConnector = (((cached?.evses as Json[] | undefined)?.[0]?.connectors as Json[] | undefined) ?? [])[0] ?? {};
    const powerType = cl.connector_power_type === 'AC_2_PHASE' || cl.connector_power_type === 'AC_2_PHASE_SPLIT' ? 'AC_1_PHASE' : cl.connector_power_type;
    const connector = { ...cachedConnector, id: cl.connector_id, standard: cl.connector_standard, format: cl.connector_format, power_type: powerType };
    const at = o.last_updated;
    o.location = {
      type: 'UNKNOWN',
      ...(cached ?? {}),
      id: cl.id,
      ...(cl.name !== undefined ? { name: cl.name } : {}),
      address: cl.address,
      city: cl.city,
      ...(cl.postal_code !== undefined ? { postal_code: cl.postal_code } : {}),
      country: cl.country,
      coordinates: cl.coordinates,
      // The EVSE and connector as they were at the session (CdrLocation), not as they are now.
      evses: [{ uid: cl.evse_uid, evse_id: cl.evse_id, status: 'UNKNOWN', connectors: [{ last_updated: at, ...connector }], last_updated: at }],
      last_updated: cached?.last_updated ?? at,
    };
  }
  drop(o, 'cdr_token', 'cdr_location', 'session_id', 'signed_data', 'total_fixed_cost', 'total_energy_cost', 'total_time_cost', 'total_parking_cost', 'total_reservation_cost', 'invoice_reference_id', 'credit', 'credit_reference_id', 'home_charging_compensation');
  if (o.auth_method === 'COMMAND') o.auth_method = 'AUTH_REQUEST';
  if (Array.isArray(o.tariffs)) o.tariffs = (o.tariffs as Json[]).map((t) => {
    const { country_code: _c, party_id: _p, ...rest } = tariffTo211(t);
    return rest;
  });
  if (has(o, 'total_cost')) o.total_cost = costTo211(o.total_cost);
  if (has(o, 'charging_periods')) o.charging_periods = periodsTo('2.1.1', o.charging_periods);
  return o;
}

/**
 * Converts an object (or a PATCH body) of a module from one version's shape to the other's.
 * Same version in and out returns the object unchanged.
 */
export function convertObject(module: ConvertibleModule, from: OcpiVersion, to: OcpiVersion, data: Json, ctx: ConvertContext): Json {
  if (from === to) return data;
  switch (module) {
    case 'locations':
      return locationPart(to, data, ctx.level ?? 'location');
    case 'tokens':
      return to === '2.2.1' ? tokenTo221(data, ctx.owner) : tokenTo211(data);
    case 'tariffs':
      return to === '2.2.1' ? { ...data } : tariffTo211(data);
    case 'sessions':
      return to === '2.2.1' ? sessionTo221(data, ctx) : sessionTo211(data, ctx);
    case 'cdrs':
      return to === '2.2.1' ? cdrTo221(data, ctx) : cdrTo211(data, ctx);
  }
}
