import { sampleLocation221 } from '@cpo/ocpi-protocol';
import { ok, startFakePartner, type FakePartner } from './fake-partner.js';
import { startHub, type Hub } from './hub-fixture.js';

describe('sync: pulling a partner that does not push', () => {
  let hub: Hub;
  let cpo: FakePartner;
  let emsp: FakePartner;
  let cpoId: string;
  const stock = [
    ...Array.from({ length: 5 }, (_, i) => sampleLocation221({ countryCode: 'NL', partyId: 'SY1', id: `P${i}`, lastUpdated: `2024-03-0${i + 1}T12:00:00Z` })),
    sampleLocation221({ countryCode: 'NL', partyId: 'ZZZ', id: 'NOT-MINE' }),
  ];

  beforeAll(async () => {
    hub = await startHub();
    cpo = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'NL', partyId: 'SY1', role: 'CPO' }] });
    emsp = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'SY2', role: 'EMSP' }] });
    // The CPO's Sender: pages of `limit`, Link to the next page with the filters kept.
    cpo.on('GET', /^\/locations\/sender$/, (r) => {
      const offset = Number(r.query.get('offset') ?? 0);
      const limit = Math.min(Number(r.query.get('limit') ?? 2), 2);
      const page = stock.slice(offset, offset + limit);
      const next = new URL(`${cpo.baseUrl}/locations/sender`);
      r.query.forEach((v, k) => next.searchParams.set(k, v));
      next.searchParams.set('offset', String(offset + limit));
      return { body: ok(page), headers: { 'X-Total-Count': String(stock.length), 'X-Limit': '2', ...(offset + limit < stock.length ? { Link: `<${next}>; rel="next"` } : {}) } };
    });
    cpoId = await hub.register(cpo);
    await hub.register(emsp);
    await hub.agree(cpo, emsp);
  });
  afterAll(async () => {
    await Promise.all([cpo, emsp].filter(Boolean).map((p) => p.close()));
    await hub?.close();
  });

  it('a full pull follows Link, stores what the partner owns verbatim, and skips the rest', async () => {
    const res = await hub.api('POST', `connections/${cpoId}/sync`, { mode: 'full' });
    expect(res.status).toBe(200);
    expect(res.body.reports).toEqual([
      { module: 'locations', pages: 3, stored: 5, rejected: 1 },
      { module: 'tariffs', pages: 0, stored: 0, rejected: 0, error: expect.stringContaining('tariffs page failed') },
    ]);
    const calls = cpo.calls('locations', 'GET');
    expect(calls[0].query.get('date_from')).toBeNull();
    expect(calls[0].query.get('date_to')).toEqual(expect.any(String));
    expect(calls[0].query.get('limit')).toBe('1000');
    const read = await emsp.fetchJson('GET', emsp.hubUrl('locations', 'SENDER'));
    expect((read.body.data as { id: string; last_updated: string }[]).map((l) => `${l.id}@${l.last_updated}`)).toEqual(stock.slice(0, 5).map((l) => `${l.id}@${l.last_updated}`));
  });

  it('a delta pull asks from the last successful sync', async () => {
    // The first pull had a failing module, so it did not count as a success: make tariffs work.
    cpo.on('GET', /^\/tariffs\/sender$/, () => ({ body: ok([]), headers: { 'X-Total-Count': '0' } }));
    const full = await hub.api('POST', `connections/${cpoId}/sync`, { mode: 'full' });
    expect((full.body.reports as { error?: string }[]).every((r) => !r.error)).toBe(true);
    const before = cpo.calls('locations', 'GET').length;
    await hub.api('POST', `connections/${cpoId}/sync`, {});
    const first = cpo.calls('locations', 'GET')[before];
    expect(first.query.get('date_from')).toEqual(expect.any(String));
    expect(new Date(first.query.get('date_from')!).getTime()).toBeLessThanOrEqual(new Date(first.query.get('date_to')!).getTime());
  });
});
