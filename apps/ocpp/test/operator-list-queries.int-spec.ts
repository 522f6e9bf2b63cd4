import { pgConnectionOptions } from '@cpo/platform';
import pg from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import { ViewsRepository } from '../src/views/views.repository.js';
import { startOcpp, type OcppHarness } from './harness.js';

/**
 * The operator lists' statements as PostgreSQL runs them: never JIT-compiled (the transactions
 * list spent 6.2 s compiling an 18 ms statement, its subplans costed at millions), and a list
 * filtered by time only read through an index, not the whole table.
 */
describe('operator list queries', () => {
  let h: OcppHarness;
  beforeAll(async () => {
    h = await startOcpp();
  });
  afterAll(() => h?.close());

  it("runs every pooled connection of the service's DataSource with JIT off", async () => {
    const runners: QueryRunner[] = [];
    try {
      // Several at once: each its own connection of the pool, the first as any later one.
      for (let i = 0; i < 3; i++) runners.push(h.db.createQueryRunner());
      const settings = await Promise.all(runners.map(async (r) => ((await r.query(`SHOW jit`)) as { jit: string }[])[0]!.jit));
      const pids = await Promise.all(runners.map(async (r) => ((await r.query(`SELECT pg_backend_pid() AS pid`)) as { pid: number }[])[0]!.pid));
      expect(new Set(pids).size).toBe(3);
      expect(settings).toEqual(['off', 'off', 'off']);
    } finally {
      await Promise.all(runners.map((r) => r.release()));
    }
    // The server's own default is on: the setting comes from the connection, not from the test database.
    const [db] = (await h.db.query(`SELECT boot_val FROM pg_settings WHERE name = 'jit'`)) as { boot_val: string }[];
    expect(db!.boot_val).toBe('on');
  });

  it('runs the outbox pools (pgConnectionOptions) with JIT off too', async () => {
    const url = (h.db.options as { url: string }).url;
    const pool = new pg.Pool({ connectionString: url, max: 1, ...pgConnectionOptions({}) });
    try {
      expect((await pool.query<{ jit: string }>(`SHOW jit`)).rows[0]!.jit).toBe('off');
    } finally {
      await pool.end();
    }
  });

  it('reads transactions filtered by start time only through an index on started_at', async () => {
    // The list's statement as the repository builds it, explained on the service's database.
    let sql = '';
    let params: unknown[] = [];
    const recorder = { query: async (q: string, p: unknown[]) => ((sql ||= q), (params = params.length ? params : p), []) } as unknown as DataSource;
    await new ViewsRepository(recorder).transactions({ from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-02T00:00:00Z'), offset: 0, limit: 50 });
    const plan: { 'QUERY PLAN': string }[] = await h.db.transaction(async (m) => {
      await m.query(`SET LOCAL enable_seqscan = off`);
      return m.query(`EXPLAIN ${sql}`, params);
    });
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/(Index Scan using|Bitmap Index Scan on) transactions_started /);
  });
});
