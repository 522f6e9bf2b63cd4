import { eventually } from '@cpo/testing';
import { sampleLocation221 } from '@cpo/ocpi-protocol';
import { startFakePartner, type FakePartner } from './fake-partner.js';
import { startHub, type Hub } from './hub-fixture.js';

const HUB_TO = { 'OCPI-to-country-code': 'DE', 'OCPI-to-party-id': 'HUB' };

describe('outbound call metrics: ocpi_outbound_requests_total{module, outcome} and the duration histogram', () => {
  let hub: Hub;
  let cpo: FakePartner; // 2.2.1 NL/MCP
  const emsps: Record<string, FakePartner> = {};

  beforeAll(async () => {
    hub = await startHub({ OCPI_PUSH_TIMEOUT_MS: '500', OCPI_OUTBOUND_RETRIES: '0' });
    cpo = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'NL', partyId: 'MCP', role: 'CPO' }] });
    await hub.register(cpo);
    // One eMSP per outcome; each answers the broadcast Location PUT its own way.
    for (const [pid, outcome] of [['MOK', 'ok'], ['MOE', 'ocpi_error'], ['MHE', 'http_error'], ['MTO', 'timeout'], ['MNW', 'network']] as const) {
      const p = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: pid, role: 'EMSP' }] });
      if (outcome === 'ocpi_error') p.on('PUT', /^\/locations\//, () => ({ body: { status_code: 2001, status_message: 'no', timestamp: new Date().toISOString() } }));
      if (outcome === 'http_error') p.on('PUT', /^\/locations\//, () => ({ status: 502, body: 'bad gateway' }));
      if (outcome === 'timeout') p.on('PUT', /^\/locations\//, () => ({ delayMs: 1_000 }));
      await hub.register(p);
      await hub.agree(cpo, p);
      emsps[outcome] = p;
    }
    await emsps.network.close(); // registered, then gone: connection refused
  });
  afterAll(async () => {
    await Promise.all([cpo, ...Object.values(emsps).filter((p) => p !== emsps.network)].filter(Boolean).map((p) => p.close()));
    await hub?.close();
  });

  const metrics = async () => (await fetch(`${hub.t.baseUrl}/metrics`)).text();
  const value = (text: string, name: string, labels: Record<string, string>): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };

  it('a broadcast counts one call per receiver, each with the outcome its partner caused', async () => {
    const before = await metrics();
    const loc = sampleLocation221({ countryCode: 'NL', partyId: 'MCP', id: 'M1', lastUpdated: '2024-06-29T20:39:09Z' });
    const res = await cpo.fetchJson('PUT', `${cpo.hubUrl('locations', 'RECEIVER')}/NL/MCP/M1`, loc, undefined, HUB_TO);
    expect(res.body.status_code).toBe(1000);
    const outcomes = ['ok', 'ocpi_error', 'http_error', 'timeout', 'network'];
    const grew = (text: string, outcome: string) => value(text, 'ocpi_outbound_requests_total', { module: 'locations', outcome }) - value(before, 'ocpi_outbound_requests_total', { module: 'locations', outcome });
    let after = '';
    expect(
      await eventually(async () => {
        after = await metrics();
        return outcomes.every((o) => grew(after, o) === 1);
      }, 5_000),
    ).toBe(true);
    expect(value(after, 'ocpi_outbound_request_duration_seconds_count', { module: 'locations' }) - value(before, 'ocpi_outbound_request_duration_seconds_count', { module: 'locations' })).toBe(5);
    // The registrations' calls are counted too (versions and version details of every partner).
    expect(value(after, 'ocpi_outbound_requests_total', { module: 'versions', outcome: 'ok' })).toBeGreaterThanOrEqual(12);
    // The broadcast counter is unchanged in name and meaning.
    expect(value(after, 'ocpi_broadcast_pushes_total', { module: 'locations', outcome: 'ok' })).toBe(1);
    expect(value(after, 'ocpi_broadcast_pushes_total', { module: 'locations', outcome: 'failed' })).toBe(2);
  });
});
