/**
 * 2.1.1 ↔ 2.2.1 conversion of the messages the hub relays between partners of different versions:
 * real-time authorisation (LocationReferences, AuthorizationInfo) and commands (requests, the
 * synchronous CommandResponse, the asynchronous result). Objects: see convert-objects.ts.
 */
import type { PartyRef } from './common.js';
import { convertObject } from './convert-objects.js';
import type { OcpiVersion } from './status.js';

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** LocationReferences: 2.2.1 dropped `connector_ids`. */
export function locationReferencesTo(version: OcpiVersion, refs: Json | undefined): Json | undefined {
  if (!refs || version === '2.1.1') return refs;
  const { connector_ids: _c, ...rest } = refs;
  return rest;
}

/**
 * An eMSP's AuthorizationInfo for a CPO of `version`. 2.2.1 requires the `token`: the eMSP's own
 * (converted from 2.1.1 when it came from there) or, failing that, the one the hub knows.
 * Towards 2.1.1 the `authorization_reference` stays as an extension field (guide §7.7).
 */
export function authorizationInfoTo(version: OcpiVersion, from: OcpiVersion, info: Json, ctx: { emsp: PartyRef; knownToken?: Json; knownTokenVersion?: OcpiVersion }): Json {
  const o: Json = { ...info };
  if (o.authorization_reference === undefined && typeof o.authorization_id === 'string') o.authorization_reference = o.authorization_id;
  delete o.authorization_id;
  if (isObj(o.location)) o.location = locationReferencesTo(version, o.location);
  if (version === '2.1.1') {
    delete o.token;
    return o;
  }
  const token = isObj(o.token) ? convertObject('tokens', from, '2.2.1', o.token, { owner: ctx.emsp }) : ctx.knownToken ? convertObject('tokens', ctx.knownTokenVersion ?? '2.2.1', '2.2.1', ctx.knownToken, { owner: ctx.emsp }) : undefined;
  if (token) o.token = { country_code: ctx.emsp.countryCode, party_id: ctx.emsp.partyId, ...token };
  return o;
}

/** 2.1.1 knows five command results; the 2.2.1 ones map onto them. */
export function commandResultFor211(result: string): string {
  if (['NOT_SUPPORTED', 'REJECTED', 'ACCEPTED', 'TIMEOUT', 'UNKNOWN_SESSION'].includes(result)) return result;
  return result === 'CANCELED_RESERVATION' ? 'ACCEPTED' : 'REJECTED';
}

/** 2.2.1 CommandResult has no UNKNOWN_SESSION: a 2.1.1 CPO's is FAILED with the reason in the message. */
export function commandResultFor221(result: string): { result: string; message?: string } {
  return result === 'UNKNOWN_SESSION' ? { result: 'FAILED', message: 'unknown session' } : { result };
}

/** A command request body for a CPO of `version` (the token inside it, reservation ids, 2.2.1-only fields). */
export function commandRequestTo(version: OcpiVersion, from: OcpiVersion, command: string, body: Json, requester: PartyRef): Json {
  if (version === from) return body;
  const o: Json = { ...body };
  if (isObj(o.token)) {
    const token = convertObject('tokens', from, version, o.token, { owner: requester });
    o.token = version === '2.2.1' ? { country_code: requester.countryCode, party_id: requester.partyId, ...token } : (({ country_code: _c, party_id: _p, ...rest }) => rest)(token);
  }
  if (version === '2.1.1') {
    // 2.1.1 START_SESSION has no connector_id; authorization_reference travels as an extension.
    if (command === 'START_SESSION') delete o.connector_id;
    if (command === 'RESERVE_NOW' && typeof o.reservation_id === 'string' && /^\d+$/.test(o.reservation_id)) o.reservation_id = Number(o.reservation_id);
  } else if (command === 'RESERVE_NOW' && typeof o.reservation_id === 'number') o.reservation_id = String(o.reservation_id);
  return o;
}

/** The CPO's synchronous CommandResponse for an eMSP of `version`; 2.2.1 requires `timeout` (s). */
export function commandResponseTo(version: OcpiVersion, data: unknown, defaultTimeoutS: number): unknown {
  if (!isObj(data) || typeof data.result !== 'string') return data;
  if (version === '2.1.1') return { result: commandResultFor211(data.result) };
  return { ...data, timeout: typeof data.timeout === 'number' ? data.timeout : defaultTimeoutS };
}

/** The CPO's asynchronous result for an eMSP of `version`. */
export function commandResultTo(version: OcpiVersion, data: Json): Json {
  if (typeof data.result !== 'string') return data;
  if (version === '2.1.1') return { result: commandResultFor211(data.result) };
  const mapped = commandResultFor221(data.result);
  if (mapped.result === data.result) return data;
  return { ...data, result: mapped.result, message: data.message ?? [{ language: 'en', text: mapped.message }] };
}
