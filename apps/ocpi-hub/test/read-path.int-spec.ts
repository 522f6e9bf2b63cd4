import pg from 'pg';
import { sampleLocation221 } from '@cpo/ocpi-protocol';
import { startFakePartner, type FakePartner } from './fake-partner.js';
import { startHub, type Hub } from './hub-fixture.js';

/**
 * The hot read path keeps per-request work in memory (token → connection per Authorization
 * header, pagination headers per cached page). These tests pin what that memory must not change.
 */
describe('GET from the cache: what the read path may and may not remember', () => {
  let hub: Hub;
  let cpo: FakePartner;
  let emsp: FakePartner;

  beforeAll(async () => {
    hub = await startHub();
    cpo = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'NL', partyId: 'RDP', role: 'CPO' }] });
    emsp = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'RDE', role: 'EMSP' }] });
    for (const p of [cpo, emsp]) await hub.register(p);
    await hub.agree(cpo, emsp);
    const client = new pg.Client({ connectionString: hub.t.config.DATABASE_URL });
    await client.connect();
    try {
      for (let i = 0; i < 30; i += 1) {
        const loc = sampleLocation221({ countryCode: 'NL', partyId: 'RDP', id: `R${String(i).padStart(2, '0')}`, lastUpdated: '2024-06-01T00:00:00Z' });
        await client.query(`INSERT INTO ocpi_object (module, country_code, party_id, object_id, data, source_version, last_updated) VALUES ('locations', 'NL', 'RDP', $1, $2, '2.2.1', $3)`, [loc.id, JSON.stringify(loc), loc.last_updated]);
      }
    } finally {
      await client.end();
    }
  });
  afterAll(async () => {
    await Promise.all([cpo, emsp].filter(Boolean).map((p) => p.close()));
    await hub?.close();
  });

  it('echoes each caller its own spelling of date_from in Link, although both read the same cached page', async () => {
    const base = emsp.hubUrl('locations', 'SENDER');
    for (const spelling of ['2024-01-01T00:00:00Z', '2024-01-01T00:00:00', '2024-01-01T00:00:00Z']) {
      const res = await emsp.fetchJson('GET', `${base}?date_from=${spelling}&limit=10`);
      expect(res.body.status_code).toBe(1000);
      expect((res.body.data as unknown[]).length).toBe(10);
      expect(res.headers.get('x-total-count')).toBe('30');
      const next = new URL(/<([^>]+)>/.exec(res.headers.get('link')!)![1]);
      expect(next.searchParams.get('date_from')).toBe(spelling);
      expect(next.searchParams.get('offset')).toBe('10');
    }
  });

  it('refuses a token the moment its partner unregisters, although the same header was just accepted', async () => {
    const base = emsp.hubUrl('locations', 'SENDER');
    expect((await emsp.fetchJson('GET', `${base}?limit=5`)).status).toBe(200);
    expect((await emsp.fetchJson('GET', `${base}?limit=5`)).status).toBe(200);
    const gone = await emsp.fetchJson('DELETE', emsp.hubUrl('credentials'));
    expect(gone.body.status_code).toBe(1000);
    const after = await emsp.fetchJson('GET', `${base}?limit=5`);
    expect(after.status).toBe(401);
  });
});
