/**
 * 2.2.1 message routing (`transport_and_format.asciidoc` §Message Routing) and the request/correlation
 * ids carried on every hop. Header names are case-insensitive: callers pass lower-cased maps
 * (Node's `IncomingMessage.headers` already is).
 */
import { CountryCode, PartyId, sameParty, type PartyRef } from './common.js';

export const RoutingHeader = {
  ToPartyId: 'ocpi-to-party-id',
  ToCountryCode: 'ocpi-to-country-code',
  FromPartyId: 'ocpi-from-party-id',
  FromCountryCode: 'ocpi-from-country-code',
  RequestId: 'x-request-id',
  CorrelationId: 'x-correlation-id',
} as const;

export interface RoutingHeaders {
  to?: PartyRef;
  from?: PartyRef;
}

export type RoutingHeadersResult = { ok: true; value: RoutingHeaders } | { ok: false; reason: string };

type HeaderBag = Record<string, string | string[] | undefined>;

function one(h: HeaderBag, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Reads the TO/FROM pairs; half a pair or a malformed id is a client error (2001). */
export function parseRoutingHeaders(h: HeaderBag): RoutingHeadersResult {
  const value: RoutingHeaders = {};
  for (const [side, cc, pid] of [
    ['to', one(h, RoutingHeader.ToCountryCode), one(h, RoutingHeader.ToPartyId)],
    ['from', one(h, RoutingHeader.FromCountryCode), one(h, RoutingHeader.FromPartyId)],
  ] as const) {
    if (cc === undefined && pid === undefined) continue;
    if (cc === undefined || pid === undefined) return { ok: false, reason: `OCPI-${side}-country-code and OCPI-${side}-party-id go together` };
    if (!CountryCode.safeParse(cc).success || !PartyId.safeParse(pid).success) return { ok: false, reason: `malformed OCPI-${side}-* header` };
    value[side] = { countryCode: cc.toUpperCase(), partyId: pid.toUpperCase() };
  }
  return { ok: true, value };
}

/** How the hub must treat a functional request (guide §6). */
export type RoutingMode = 'direct' | 'broadcast' | 'open' | 'get-all';

export type ClassifyResult = { ok: true; mode: RoutingMode } | { ok: false; reason: string };

/**
 * Classifies a request from its method, TO header and whether it hit a list endpoint.
 * TO = hub on a GET list is GET-all; TO = hub on any other GET is refused (2001);
 * TO = hub on a write is a broadcast; no TO is open routing; any other TO is party to party.
 */
export function classifyRoute(method: string, to: PartyRef | undefined, hub: PartyRef, isListGet: boolean): ClassifyResult {
  const m = method.toUpperCase();
  if (!to) return isListGet ? { ok: true, mode: 'get-all' } : { ok: true, mode: 'open' };
  if (sameParty(to, hub)) {
    if (m === 'GET') return isListGet ? { ok: true, mode: 'get-all' } : { ok: false, reason: 'a GET cannot be broadcast' };
    if (m === 'DELETE' || m === 'POST' || m === 'PUT' || m === 'PATCH') return { ok: true, mode: 'broadcast' };
    return { ok: false, reason: `${m} cannot be broadcast` };
  }
  return { ok: true, mode: 'direct' };
}

/** Headers for a hop the hub makes: a new request id, the same correlation id, TO/FROM when wanted. */
export function hopHeaders(o: { requestId: string; correlationId: string; to?: PartyRef; from?: PartyRef }): Record<string, string> {
  const h: Record<string, string> = { 'X-Request-ID': o.requestId, 'X-Correlation-ID': o.correlationId };
  if (o.to) {
    h['OCPI-to-country-code'] = o.to.countryCode;
    h['OCPI-to-party-id'] = o.to.partyId;
  }
  if (o.from) {
    h['OCPI-from-country-code'] = o.from.countryCode;
    h['OCPI-from-party-id'] = o.from.partyId;
  }
  return h;
}
