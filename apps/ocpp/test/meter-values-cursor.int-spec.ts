import { METER_VALUE_MAX_OFFSET } from '../src/views/dto.js';
import { api, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

type Sample = { connectorId: number; sampledAt: string; rawValue: string };

/**
 * An export of a station's meter values follows `next` page by page: every sample once, in the
 * list's order, however many readings share a timestamp (clock-aligned connectors), whatever the
 * table (readings, the rows stored before them), and at PostgreSQL's microsecond precision, which
 * the API's millisecond times cannot tell apart.
 */
describe('meter values paged by cursor', () => {
  let h: OcppHarness;
  const cp = uniqueStation('MVC');
  const path = (query: string) => `/api/v1/stations/${cp}/meter-values?${query}`;

  beforeAll(async () => {
    h = await startOcpp();
    await h.db.query(`INSERT INTO stations (id) VALUES ($1)`, [cp]);
    const reading = (connectorId: number, at: string, values: string[]) =>
      h.db.query(`INSERT INTO meter_readings (station_id, connector_id, sampled_at, samples, sample_count) VALUES ($1, $2, $3::timestamptz, $4::json, $5)`, [
        cp,
        connectorId,
        at,
        JSON.stringify(values.map((v) => ({ measurand: 'Energy.Active.Import.Register', value: Number(v), rawValue: v, unit: 'Wh' }))),
        values.length,
      ]);
    const legacy = (connectorId: number, at: string, value: string) =>
      h.db.query(`INSERT INTO meter_values (station_id, connector_id, sampled_at, measurand, value, raw_value, unit) VALUES ($1, $2, $3::timestamptz, 'Energy.Active.Import.Register', $4, $5, 'Wh')`, [
        cp,
        connectorId,
        at,
        Number(value),
        value,
      ]);
    // Four connectors at the same minute, with 1-3 samples each: listed in the order they were stored.
    for (const c of [3, 1, 4, 2]) await reading(c, '2026-03-01T10:00:00Z', Array.from({ length: (c % 3) + 1 }, (_, i) => `${c}0${i}`));
    // Rows of the table readings replaced, at that minute too and one before.
    await legacy(1, '2026-03-01T10:00:00Z', '900');
    await legacy(2, '2026-03-01T10:00:00Z', '901');
    await legacy(1, '2026-03-01T09:59:00Z', '899');
    // Microseconds apart: one millisecond in the API.
    await reading(1, '2026-03-01T10:01:00.000002Z', ['502', '503']);
    await reading(2, '2026-03-01T10:01:00.000001Z', ['501']);
    await reading(3, '2026-03-01T10:02:00Z', ['600']);
  });
  afterAll(() => h?.close());

  async function walk(limit: number, filter = ''): Promise<{ samples: Sample[]; pages: number }> {
    const samples: Sample[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const page = await api(h, 'GET', path(`limit=${limit}${filter}${next ? `&after=${encodeURIComponent(next)}` : ''}`));
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(limit);
      samples.push(...(page.body.items as Sample[]));
      next = page.body.next;
      pages++;
      expect(pages).toBeLessThan(40);
    } while (next !== null);
    return { samples, pages };
  }

  it('gets every sample once, in order, at any page size', async () => {
    const all = await api(h, 'GET', path('limit=10000'));
    expect(all.body.next).toBeNull();
    const values = (all.body.items as Sample[]).map((s) => s.rawValue);
    expect(values).toEqual(['899', '900', '901', '300', '100', '101', '400', '401', '200', '201', '202', '501', '502', '503', '600']);
    expect(all.body.total).toBe(15);
    for (const limit of [1, 2, 3, 4, 7, 14, 15]) {
      const { samples, pages } = await walk(limit);
      expect({ limit, values: samples.map((s) => s.rawValue) }).toEqual({ limit, values });
      expect(pages).toBe(Math.ceil(15 / limit));
    }
  });

  it('keeps the filters: from and to with the cursor', async () => {
    const { samples } = await walk(2, `&from=${encodeURIComponent('2026-03-01T10:00:00Z')}&to=${encodeURIComponent('2026-03-01T10:02:00Z')}`);
    expect(samples.map((s) => s.rawValue)).toEqual(['900', '901', '300', '100', '101', '400', '401', '200', '201', '202', '501', '502', '503']);
  });

  it('answers next on an offset page too, from where that page ended', async () => {
    const first = await api(h, 'GET', path('limit=5&offset=5'));
    expect(first.body.items.map((s: Sample) => s.rawValue)).toEqual(['101', '400', '401', '200', '201']);
    const second = await api(h, 'GET', path(`limit=5&after=${encodeURIComponent(first.body.next)}`));
    expect(second.body).toMatchObject({ offset: 0, limit: 5, total: 15, next: null });
    expect(second.body.items.map((s: Sample) => s.rawValue)).toEqual(['202', '501', '502', '503', '600']);
  });

  it('refuses a made-up cursor, a cursor with an offset, and an offset past the bound', async () => {
    const { body } = await api(h, 'GET', path('limit=3'));
    for (const query of [
      'after=abc',
      `after=${Buffer.from('["2026-03-01T10:00:00.000000Z",1,"1"]').toString('base64url')}`,
      `after=${Buffer.from('["2026-03-01T10:00:00Z",1,"1",1]').toString('base64url')}`,
      `after=${encodeURIComponent(body.next)}&after=${encodeURIComponent(body.next)}`,
      `after=${encodeURIComponent(body.next)}&offset=1`,
      `offset=${METER_VALUE_MAX_OFFSET + 1}`,
    ]) {
      const answer = await api(h, 'GET', path(query));
      expect({ query, status: answer.status }).toEqual({ query, status: 400 });
    }
    expect((await api(h, 'GET', path(`offset=${METER_VALUE_MAX_OFFSET}`))).body).toMatchObject({ items: [], total: 15, next: null });
  });
});
