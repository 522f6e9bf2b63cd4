import { eventually } from '@cpo/testing';
import { startFakePartner, type FakePartner } from './fake-partner.js';
import { startHub, type Hub } from './hub-fixture.js';

const tariff = (id: string, o: { owner?: boolean } = {}) => ({
  ...(o.owner === false ? {} : { country_code: 'NL', party_id: 'TF1' }),
  id,
  currency: 'EUR',
  elements: [{ price_components: [{ type: 'ENERGY', price: 0.25, step_size: 1 }] }],
  last_updated: '2024-05-01T00:00:00Z',
});

describe('tariffs', () => {
  let hub: Hub;
  let cpo: FakePartner;
  let emsp: FakePartner;
  let stranger: FakePartner;

  beforeAll(async () => {
    hub = await startHub();
    cpo = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'NL', partyId: 'TF1', role: 'CPO' }] });
    emsp = await startFakePartner({ version: '2.1.1', parties: [{ countryCode: 'FR', partyId: 'TE1', role: 'EMSP' }] });
    stranger = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'TE2', role: 'EMSP' }] });
    for (const p of [cpo, emsp, stranger]) await hub.register(p);
    await hub.agree(cpo, emsp);
  });
  afterAll(async () => {
    await Promise.all([cpo, emsp, stranger].filter(Boolean).map((p) => p.close()));
    await hub?.close();
  });

  const url = (id: string) => `${cpo.hubUrl('tariffs', 'RECEIVER')}/NL/TF1/${id}`;

  it('PUT is cached and broadcast; DELETE is forwarded the same way and removes it from the cache', async () => {
    expect((await cpo.fetchJson('PUT', url('T1'), tariff('T1'))).body.status_code).toBe(1000);
    expect(await eventually(() => emsp.calls('tariffs', 'PUT').length === 1)).toBe(true);
    expect(emsp.calls('tariffs', 'PUT')[0]).toMatchObject({ path: '/tariffs/NL/TF1/T1', body: { id: 'T1', party_id: 'TF1', last_updated: '2024-05-01T00:00:00Z' } });
    expect(stranger.calls('tariffs')).toHaveLength(0);
    const list = await emsp.fetchJson('GET', emsp.hubUrl('tariffs'));
    expect((list.body.data as { id: string }[]).map((t) => t.id)).toEqual(['T1']);
    expect((await stranger.fetchJson('GET', stranger.hubUrl('tariffs', 'SENDER'))).body.data).toEqual([]);

    expect((await cpo.fetchJson('DELETE', url('T1'))).body.status_code).toBe(1000);
    expect(await eventually(() => emsp.calls('tariffs', 'DELETE').length === 1)).toBe(true);
    expect((await emsp.fetchJson('GET', emsp.hubUrl('tariffs'))).body.data).toEqual([]);
    expect((await cpo.fetchJson('DELETE', url('T1'))).status).toBe(404);
  });

  it('PATCH exists on 2.1.1 only; an invalid tariff is refused with 2001', async () => {
    expect((await cpo.fetchJson('PATCH', url('T1'), { currency: 'USD' })).status).toBe(404);
    expect((await cpo.fetchJson('PUT', url('T2'), { ...tariff('T2'), elements: [] })).body.status_code).toBe(2001);
  });
});
