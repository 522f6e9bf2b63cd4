import { classifyRoute, hopHeaders, parseRoutingHeaders } from './routing.js';
import { statusForVersion, isSuccess } from './status.js';

const hub = { countryCode: 'DE', partyId: 'HUB' };

describe('routing headers', () => {
  it('reads TO and FROM pairs case-insensitively and upper-cases them', () => {
    expect(parseRoutingHeaders({ 'ocpi-to-country-code': 'de', 'ocpi-to-party-id': 'hub', 'ocpi-from-country-code': 'NL', 'ocpi-from-party-id': 'ABC' })).toEqual({
      ok: true,
      value: { to: hub, from: { countryCode: 'NL', partyId: 'ABC' } },
    });
    expect(parseRoutingHeaders({})).toEqual({ ok: true, value: {} });
  });

  it('refuses half a pair and malformed ids', () => {
    expect(parseRoutingHeaders({ 'ocpi-to-party-id': 'HUB' }).ok).toBe(false);
    expect(parseRoutingHeaders({ 'ocpi-from-country-code': 'NLD', 'ocpi-from-party-id': 'ABC' }).ok).toBe(false);
  });

  it('classifies the routing matrix', () => {
    const emsp = { countryCode: 'FR', partyId: 'XYZ' };
    expect(classifyRoute('PUT', hub, hub, false)).toEqual({ ok: true, mode: 'broadcast' });
    expect(classifyRoute('GET', hub, hub, false).ok).toBe(false);
    expect(classifyRoute('GET', hub, hub, true)).toEqual({ ok: true, mode: 'get-all' });
    expect(classifyRoute('PATCH', undefined, hub, false)).toEqual({ ok: true, mode: 'open' });
    expect(classifyRoute('GET', undefined, hub, true)).toEqual({ ok: true, mode: 'get-all' });
    expect(classifyRoute('POST', emsp, hub, false)).toEqual({ ok: true, mode: 'direct' });
  });

  it('builds hop headers with TO/FROM only when given', () => {
    expect(hopHeaders({ requestId: 'r2', correlationId: 'c1' })).toEqual({ 'X-Request-ID': 'r2', 'X-Correlation-ID': 'c1' });
    expect(hopHeaders({ requestId: 'r2', correlationId: 'c1', to: { countryCode: 'FR', partyId: 'XYZ' }, from: hub })).toMatchObject({
      'OCPI-to-country-code': 'FR',
      'OCPI-from-party-id': 'HUB',
    });
  });
});

describe('status codes per version', () => {
  it('maps 4xxx to 3000 with the meaning kept on 2.1.1, and leaves 2.2.1 alone', () => {
    expect(statusForVersion('2.1.1', 4002)).toEqual({ code: 3000, message: 'hub 4002: forwarded request timed out' });
    expect(statusForVersion('2.1.1', 4001, 'no eMSP')).toEqual({ code: 3000, message: 'hub 4001: no eMSP' });
    expect(statusForVersion('2.1.1', 2004).code).toBe(2000);
    expect(statusForVersion('2.2.1', 4002)).toEqual({ code: 4002, message: undefined });
    expect(statusForVersion('2.1.1', 2001, 'x')).toEqual({ code: 2001, message: 'x' });
  });

  it('counts a forward as success only for HTTP 2xx with a 1xxx status', () => {
    expect(isSuccess(200, 1000)).toBe(true);
    expect(isSuccess(200, 2001)).toBe(false);
    expect(isSuccess(500, 1000)).toBe(false);
    expect(isSuccess(200, undefined)).toBe(false);
  });
});
