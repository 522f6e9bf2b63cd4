import type { QueryRunner } from 'typeorm';
import { RetentionJob } from '../src/retention/retention.job.js';
import { RetentionRepository, RetentionSession } from '../src/retention/retention.repository.js';
import { CLOCK_AHEAD_START, UNSET_CLOCK_START } from '../src/transactions/unset-clock.js';
import { startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const DAY_MS = 24 * 60 * 60_000;
const OLD = new Date(Date.now() - 3 * DAY_MS);
const SAMPLES = JSON.stringify([{ measurand: 'Energy.Active.Import.Register', value: 1000, rawValue: '1000', unit: 'Wh' }]);

async function transaction(h: OcppHarness, stationId: string, connectorId: number, startedAt: Date, startSentAt: Date | null = null): Promise<number> {
  const [row] = (await h.db.query(
    `INSERT INTO transactions (transaction_id, station_id, connector_id, id_tag, id_tag_status, meter_start_wh, started_at, start_sent_at)
     VALUES (nextval('transaction_id_seq'), $1, $2, 'TAG', 'Accepted', 0, $3, $4) RETURNING transaction_id`,
    [stationId, connectorId, startedAt, startSentAt],
  )) as { transaction_id: number }[];
  return row!.transaction_id;
}

/** Every plan node (subplans included) of an EXPLAIN (FORMAT JSON). */
function nodes(plan: Record<string, unknown>): Record<string, unknown>[] {
  return [plan, ...((plan['Plans'] as Record<string, unknown>[] | undefined) ?? []).flatMap(nodes)];
}

describe('data retention review (retentions of 1 day)', () => {
  let a: OcppHarness;
  beforeAll(async () => {
    a = await startOcpp({ OCPP_METER_RETENTION_DAYS: '1', OCPP_MESSAGE_RETENTION_DAYS: '1' });
  });
  afterAll(async () => {
    await a?.close();
  });

  it('walks the old readings for a never-stopped transaction only once the lost-stop rule has not ended it', async () => {
    const cp = uniqueStation('RET');
    // Thirty sessions on one connector whose stops were all lost: each over by the next start.
    for (let i = 0; i < 30; i++) {
      const id = await transaction(a, cp, 1, new Date(OLD.getTime() + i * 60 * 60_000));
      await a.db.query(
        `INSERT INTO meter_readings (station_id, connector_id, transaction_id, sampled_at, samples, received_at)
         SELECT $1, 1, $2, $3::timestamptz + g * interval '1 minute', $4, $3::timestamptz FROM generate_series(0, 9) g`,
        [cp, id, new Date(OLD.getTime() + i * 60 * 60_000), SAMPLES],
      );
    }
    // The statement the job runs, explained (and rolled back) on a connection of the test's own.
    let sql = '';
    const recorder = { query: async (q: string) => ((sql = q), [[], 0]) } as unknown as QueryRunner;
    await new RetentionSession(recorder).deleteBatch('meter_readings', cp, new Date(Date.now() - DAY_MS), 5_000);
    const runner = a.db.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const [row] = (await runner.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, [cp, new Date(Date.now() - DAY_MS), 5_000])) as { 'QUERY PLAN': { Plan: Record<string, unknown> }[] }[];
      const walks = nodes(row!['QUERY PLAN'][0]!.Plan).filter((n) => n['Alias'] === 'o');
      // Only the last session (nothing ended it) is looked for among the old readings, not all thirty.
      expect(walks.reduce((sum, n) => sum + Number(n['Actual Loops']), 0)).toBeLessThanOrEqual(1);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it('runs its deletes without JIT compilation, and gives the pooled connection back as it was', async () => {
    const session = await a.app.app.get(RetentionRepository).openSession();
    const runner = (session as unknown as { runner: QueryRunner }).runner;
    try {
      expect(await session.tryLock()).toBe(true);
      expect(((await runner.query(`SHOW jit`)) as { jit: string }[])[0]!.jit).toBe('off');
    } finally {
      await session.close();
    }
    const [reset] = (await a.db.query(`SELECT current_setting('jit') = reset_val AS same FROM pg_settings WHERE name = 'jit'`)) as { same: boolean }[];
    expect(reset!.same).toBe(true);
  });

  it('keeps an unset-clock start kept as sent while its transaction is not stopped, even once the lost-stop rule ends it', async () => {
    const cp = uniqueStation('RET');
    await a.db.query(`INSERT INTO stations (id, booted_at, last_seen_at) VALUES ($1, now(), now())`, [cp]);
    // Power lost mid-session: rebooted since, connector Available, no reading since. The retry of
    // its epoch-stamped start, queued by the charger, is matched only through the kept message.
    await transaction(a, cp, 1, OLD);
    await a.db.query(`INSERT INTO connectors (station_id, connector_id, status, error_code, status_at) VALUES ($1, 1, 'Available', 'NoError', now())`, [cp]);
    await a.db.query(`INSERT INTO station_messages (station_id, kind, payload, received_at) VALUES ($1, $2, '{}', $3)`, [cp, UNSET_CLOCK_START, OLD]);
    // Ahead: found by start_sent_at, the message goes by its age; one of the previous release (no stamp) stays.
    const aheadAt = new Date(OLD.getTime() + 60_000);
    await transaction(a, cp, 2, aheadAt, new Date(aheadAt.getTime() + DAY_MS));
    const previousAt = new Date(OLD.getTime() + 120_000);
    await transaction(a, cp, 3, previousAt);
    await a.db.query(`INSERT INTO station_messages (station_id, kind, payload, received_at) VALUES ($1, $2, '{}', $3), ($1, $2, '{}', $4)`, [cp, CLOCK_AHEAD_START, aheadAt, previousAt]);

    await a.app.app.get(RetentionJob).runIfLeader();
    const left = (await a.db.query(`SELECT kind, received_at FROM station_messages WHERE station_id = $1 ORDER BY received_at`, [cp])) as { kind: string; received_at: Date }[];
    expect(left.map((m) => [m.kind, m.received_at.getTime()])).toEqual([
      [UNSET_CLOCK_START, OLD.getTime()],
      [CLOCK_AHEAD_START, previousAt.getTime()],
    ]);
  });
});
