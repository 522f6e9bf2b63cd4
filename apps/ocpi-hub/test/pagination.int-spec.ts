import pg from 'pg';
import { sampleLocation221 } from '@cpo/ocpi-protocol';
import { startFakePartner, type FakePartner } from './fake-partner.js';
import { startHub, type Hub } from './hub-fixture.js';

const TOTAL = 250;
const stamp = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString().replace('.000Z', 'Z');

describe('GET from the cache: pagination', () => {
  let hub: Hub;
  let cpo: FakePartner;
  let emsp221: FakePartner;
  let emsp211: FakePartner;

  beforeAll(async () => {
    hub = await startHub();
    cpo = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'NL', partyId: 'PAG', role: 'CPO' }] });
    emsp221 = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'PG2', role: 'EMSP' }] });
    emsp211 = await startFakePartner({ version: '2.1.1', parties: [{ countryCode: 'FR', partyId: 'PG1', role: 'EMSP' }] });
    for (const p of [cpo, emsp221, emsp211]) await hub.register(p);
    await hub.agree(cpo, emsp221);
    await hub.agree(cpo, emsp211);
    // Loaded straight into the cache, newest first, so creation order differs from last_updated order.
    const client = new pg.Client({ connectionString: hub.t.config.DATABASE_URL });
    await client.connect();
    try {
      for (let i = 0; i < TOTAL; i += 1) {
        const lastUpdated = stamp(TOTAL - 1 - i);
        const loc = sampleLocation221({ countryCode: 'NL', partyId: 'PAG', id: `L${String(i).padStart(3, '0')}`, lastUpdated });
        await client.query(
          `INSERT INTO ocpi_object (module, country_code, party_id, object_id, data, source_version, last_updated) VALUES ('locations', 'NL', 'PAG', $1, $2, '2.2.1', $3)`,
          [loc.id, JSON.stringify(loc), lastUpdated],
        );
      }
    } finally {
      await client.end();
    }
  });
  afterAll(async () => {
    await Promise.all([cpo, emsp221, emsp211].filter(Boolean).map((p) => p.close()));
    await hub?.close();
  });

  async function crawl(p: FakePartner, first: string): Promise<{ pages: { count: number; total: string | null; limit: string | null; link: string | null }[]; ids: string[] }> {
    const pages = [];
    const ids: string[] = [];
    let url: string | undefined = first;
    while (url) {
      const res = await p.fetchJson('GET', url);
      expect(res.body.status_code).toBe(1000);
      const data = res.body.data as { id: string }[];
      ids.push(...data.map((d) => d.id));
      const link = res.headers.get('link');
      pages.push({ count: data.length, total: res.headers.get('x-total-count'), limit: res.headers.get('x-limit'), link });
      url = link ? /<([^>]+)>/.exec(link)![1] : undefined;
      if (pages.length > 10) throw new Error('crawl does not end');
    }
    return { pages, ids };
  }

  it.each([['2.2.1'], ['2.1.1']])('%s: 250 objects in 3 pages of 100 in creation order; Link absent on the last; X-Limit is our maximum', async (version) => {
    const p = version === '2.2.1' ? emsp221 : emsp211;
    const { pages, ids } = await crawl(p, `${p.hubUrl('locations', 'SENDER')}?limit=100`);
    expect(pages.map((x) => x.count)).toEqual([100, 100, 50]);
    expect(pages.every((x) => x.total === '250' && x.limit === '100')).toBe(true);
    expect(pages[2].link).toBeNull();
    expect(ids).toEqual(Array.from({ length: TOTAL }, (_, i) => `L${String(i).padStart(3, '0')}`));
  });

  it('keeps the filters in Link, treats date_from as inclusive and date_to as exclusive', async () => {
    // last_updated of L(249-k) is stamp(k): the window [stamp(10), stamp(160)) holds exactly 150 objects.
    const url = `${emsp221.hubUrl('locations', 'SENDER')}?date_from=${stamp(10)}&date_to=${stamp(160)}&limit=60`;
    const { pages, ids } = await crawl(emsp221, url);
    expect(pages.map((x) => x.count)).toEqual([60, 60, 30]);
    expect(pages[0].total).toBe('150');
    const next = new URL(/<([^>]+)>/.exec(pages[0].link!)![1]);
    expect(next.searchParams.get('date_from')).toBe(stamp(10));
    expect(next.searchParams.get('date_to')).toBe(stamp(160));
    expect(next.searchParams.get('offset')).toBe('60');
    expect(ids).toContain(`L${249 - 10}`); // last_updated == date_from: included
    expect(ids).not.toContain(`L${249 - 160}`); // last_updated == date_to: excluded
  });

  it('clamps limit=5000 to the maximum and rejects nonsense parameters with 2001', async () => {
    const res = await emsp221.fetchJson('GET', `${emsp221.hubUrl('locations', 'SENDER')}?limit=5000`);
    expect((res.body.data as unknown[]).length).toBe(100);
    expect(res.headers.get('x-limit')).toBe('100');
    expect(new URL(/<([^>]+)>/.exec(res.headers.get('link')!)![1]).searchParams.get('limit')).toBe('100');
    const bad = await emsp221.fetchJson('GET', `${emsp221.hubUrl('locations', 'SENDER')}?date_from=yesterday`);
    expect(bad.body.status_code).toBe(2001);
    const beyond = await emsp221.fetchJson('GET', `${emsp221.hubUrl('locations', 'SENDER')}?offset=400`);
    expect(beyond.body.data).toEqual([]);
    expect(beyond.headers.get('x-total-count')).toBe('250');
    expect(beyond.headers.get('link')).toBeNull();
  });
});
