import { sampleLocation221 } from '@cpo/ocpi-protocol';
import { eventually } from '@cpo/testing';
import { startFakePartner, type FakePartner } from './fake-partner.js';
import { startHub, type Hub } from './hub-fixture.js';

/** Auth, ids and token rotation at the OCPI edge (guide §13 rows 3, 5, 6, 23, 24). */
describe('OCPI edge: tokens and ids', () => {
  let hub: Hub;
  let cpo: FakePartner;
  let emsp: FakePartner;

  beforeAll(async () => {
    hub = await startHub({ OCPI_TOKEN_GRACE_MS: '0' });
    cpo = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'NL', partyId: 'ED1', role: 'CPO' }], sendEncoding: 'base64' });
    emsp = await startFakePartner({ version: '2.1.1', parties: [{ countryCode: 'FR', partyId: 'ED2', role: 'EMSP' }], acceptEncoding: 'plain' });
  });
  afterAll(async () => {
    await Promise.all([cpo, emsp].filter(Boolean).map((p) => p.close()));
    await hub?.close();
  });

  it('token A works for versions and credentials only: 401 on a functional module', async () => {
    const { tokenA, versionsUrl } = await hub.connect(cpo);
    const locations = versionsUrl.replace('emsp-face/versions', '2.2.1/receiver/locations/NL/ED1/L1');
    expect((await cpo.fetchJson('GET', versionsUrl, undefined, tokenA)).status).toBe(200);
    const res = await cpo.fetchJson('PUT', locations, sampleLocation221({ countryCode: 'NL', partyId: 'ED1', id: 'L1' }), tokenA);
    expect(res.status).toBe(401);
    expect(res.body.status_code).toBe(2000);
    expect((await cpo.register(versionsUrl, tokenA)).body.status_code).toBe(1000);
  });

  it('a partner may send its token plain or Base64; outbound calls follow the partner flag', async () => {
    await hub.register(emsp);
    await hub.agree(cpo, emsp);
    const versionsUrl = cpo.hubUrl('credentials').replace('2.2.1/credentials', 'emsp-face/versions');
    const plain = await fetch(versionsUrl, { headers: { Authorization: `Token ${cpo.tokenC}` } });
    const b64 = await fetch(versionsUrl, { headers: { Authorization: `Token ${Buffer.from(cpo.tokenC!).toString('base64')}` } });
    expect([plain.status, b64.status]).toEqual([200, 200]);
    // The 2.1.1 eMSP accepts only plain tokens: the broadcast reaches it.
    const put = await cpo.fetchJson('PUT', `${cpo.hubUrl('locations', 'RECEIVER')}/NL/ED1/L1`, sampleLocation221({ countryCode: 'NL', partyId: 'ED1', id: 'L1' }));
    expect(put.body.status_code).toBe(1000);
    expect(await eventually(() => emsp.calls('locations', 'PUT').length === 1)).toBe(true);
    expect(emsp.calls('locations', 'PUT')[0].headers.authorization).toBe(`Token ${emsp.tokenB}`);
  });

  it('creates X-Request-ID and X-Correlation-ID when absent, echoes them, and keeps the correlation id on the next hop', async () => {
    const res = await fetch(`${cpo.hubUrl('locations', 'RECEIVER')}/NL/ED1/L1`, {
      method: 'PATCH',
      headers: { Authorization: cpo.authHeader(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'renamed', last_updated: '2024-07-02T00:00:00Z' }),
    });
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id');
    const correlationId = res.headers.get('x-correlation-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(correlationId).toEqual(expect.any(String));
    expect(await eventually(() => emsp.calls('locations', 'PATCH').length === 1)).toBe(true);
    const hop = emsp.calls('locations', 'PATCH')[0].headers;
    expect(hop['x-correlation-id']).toBe(correlationId);
    expect(hop['x-request-id']).not.toBe(requestId);
  });

  it('without a grace period the rotated-out token stops working at once', async () => {
    const old = cpo.tokenC!;
    const res = await cpo.fetchJson('PUT', cpo.hubUrl('credentials'), cpo.credentials());
    expect(res.body.status_code).toBe(1000);
    const fresh = (res.body.data as { token: string }).token;
    expect((await cpo.fetchJson('GET', cpo.hubUrl('credentials'), undefined, old)).status).toBe(401);
    expect((await cpo.fetchJson('GET', cpo.hubUrl('credentials'), undefined, fresh)).status).toBe(200);
  });
});
