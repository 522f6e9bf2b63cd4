import { RetentionJob } from '../src/retention/retention.job.js';
import { UNSET_CLOCK_START } from '../src/transactions/unset-clock.js';
import { startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const DAY_MS = 24 * 60 * 60_000;
const OLD = new Date(Date.now() - 3 * DAY_MS);
const RECENT = new Date(Date.now() - 60 * 60_000);
const SAMPLES = JSON.stringify([{ measurand: 'Energy.Active.Import.Register', value: 1000, rawValue: '1000', unit: 'Wh' }]);

async function transaction(h: OcppHarness, stationId: string, connectorId: number, startedAt: Date, stoppedAt: Date | null): Promise<number> {
  const [row] = (await h.db.query(
    `INSERT INTO transactions (transaction_id, station_id, connector_id, id_tag, id_tag_status, meter_start_wh, started_at, stopped_at, meter_stop_wh)
     VALUES (nextval('transaction_id_seq'), $1, $2, 'TAG', 'Accepted', 0, $3, $4, CASE WHEN $4::timestamptz IS NULL THEN NULL ELSE 10 END) RETURNING transaction_id`,
    [stationId, connectorId, startedAt, stoppedAt],
  )) as { transaction_id: number }[];
  return row!.transaction_id;
}

/** A reading stamped `at`, received then unless `receivedAt` says otherwise (a charger clock behind). */
async function reading(h: OcppHarness, stationId: string, at: Date, transactionId: number | null, receivedAt = at): Promise<void> {
  await h.db.query(`INSERT INTO meter_readings (station_id, connector_id, transaction_id, sampled_at, samples, received_at) VALUES ($1, 1, $2, $3, $4, $5)`, [
    stationId,
    transactionId,
    at,
    SAMPLES,
    receivedAt,
  ]);
}

async function message(h: OcppHarness, stationId: string, kind: string, at: Date): Promise<void> {
  await h.db.query(`INSERT INTO station_messages (station_id, kind, payload, received_at) VALUES ($1, $2, '{}', $3)`, [stationId, kind, at]);
}

const count = async (h: OcppHarness, sql: string, params: unknown[]) => Number(((await h.db.query(sql, params)) as { n: string }[])[0]!.n);

describe('data retention (OCPP_METER_RETENTION_DAYS / OCPP_MESSAGE_RETENTION_DAYS = 1)', () => {
  let a: OcppHarness;
  let b: OcppHarness;
  beforeAll(async () => {
    const env = { OCPP_METER_RETENTION_DAYS: '1', OCPP_MESSAGE_RETENTION_DAYS: '1' };
    a = await startOcpp(env);
    b = await startOcpp(env, a);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('deletes old readings and messages, keeps recent ones and what a running transaction still needs', async () => {
    const cp = uniqueStation('RET');
    // Reporting: a retry of its kept start may still come (one gone quiet: retention-kept-start.int-spec.ts).
    await a.db.query(`INSERT INTO stations (id, last_seen_at) VALUES ($1, now())`, [cp]);
    const stopped = await transaction(a, cp, 1, new Date(OLD.getTime() - DAY_MS), OLD);
    const runningStart = new Date(OLD.getTime() + 60_000);
    const running = await transaction(a, cp, 2, runningStart, null);
    await reading(a, cp, OLD, stopped);
    await reading(a, cp, OLD, null);
    await reading(a, cp, OLD, running);
    // Read since the retention's cutoff: it runs (one not read since is over: the test below).
    await reading(a, cp, RECENT, running);
    await reading(a, cp, RECENT, null);
    await message(a, cp, 'OrphanStopTransaction', OLD);
    await message(a, cp, 'SecurityEventNotification', RECENT);
    // The start a retry of the running transaction's StartTransaction is matched by (unset-clock.ts).
    await message(a, cp, UNSET_CLOCK_START, runningStart);
    await a.db.query(`INSERT INTO rejected_frames (station_id, raw, reason, received_at) VALUES ($1, 'x', 'bad', $2), ($1, 'y', 'bad', $3)`, [cp, OLD, RECENT]);
    await a.db.query(
      `INSERT INTO remote_starts (station_id, id_tag, requested_at, status) VALUES ($1, 'T', $2, 'Started'), ($1, 'T', $2, 'Accepted'), ($1, 'T', $3, 'Rejected')`,
      [cp, OLD, RECENT],
    );

    const run = await a.app.app.get(RetentionJob).runIfLeader();
    expect(run?.complete).toBe(true);
    expect(run?.deleted).toMatchObject({ meter_readings: expect.any(Number), station_messages: expect.any(Number) });

    const readings = (await a.db.query(`SELECT transaction_id, sampled_at FROM meter_readings WHERE station_id = $1 ORDER BY sampled_at, transaction_id`, [cp])) as { transaction_id: number | null; sampled_at: Date }[];
    expect(readings.map((r) => [r.transaction_id, r.sampled_at.getTime()])).toEqual([
      [running, OLD.getTime()],
      [running, RECENT.getTime()],
      [null, RECENT.getTime()],
    ]);
    const kinds = (await a.db.query(`SELECT kind FROM station_messages WHERE station_id = $1 ORDER BY kind`, [cp])) as { kind: string }[];
    expect(kinds.map((k) => k.kind)).toEqual(['SecurityEventNotification', UNSET_CLOCK_START]);
    expect(await count(a, `SELECT count(*) AS n FROM rejected_frames WHERE station_id = $1`, [cp])).toBe(1);
    const starts = (await a.db.query(`SELECT status FROM remote_starts WHERE station_id = $1 ORDER BY status`, [cp])) as { status: string }[];
    expect(starts.map((s) => s.status)).toEqual(['Accepted', 'Rejected']);
    // Transactions are never deleted.
    expect(await count(a, `SELECT count(*) AS n FROM transactions WHERE station_id = $1`, [cp])).toBe(2);

    // Once the transaction stopped, its old readings and its kept start go like any other.
    await a.db.query(`UPDATE transactions SET stopped_at = $2, meter_stop_wh = 10 WHERE transaction_id = $1`, [running, RECENT]);
    await b.app.app.get(RetentionJob).runIfLeader();
    expect(await count(a, `SELECT count(*) AS n FROM meter_readings WHERE station_id = $1`, [cp])).toBe(2);
    expect(await count(a, `SELECT count(*) AS n FROM station_messages WHERE station_id = $1`, [cp])).toBe(1);
  });

  it('keeps readings received within the retention though stamped before it (a charger clock years behind)', async () => {
    const cp = uniqueStation('RET');
    // A clock reset to its firmware's build date: stamps after 2010 are taken as sent (time.ts), years in the past.
    const lagging = new Date(Date.now() - 3 * 365 * DAY_MS);
    const stopped = await transaction(a, cp, 1, lagging, new Date(lagging.getTime() + 60 * 60_000));
    await reading(a, cp, lagging, stopped, new Date());
    await reading(a, cp, lagging, null, new Date());
    await reading(a, cp, lagging, null);
    await a.app.app.get(RetentionJob).runIfLeader();
    const left = (await a.db.query(`SELECT transaction_id FROM meter_readings WHERE station_id = $1 ORDER BY transaction_id NULLS LAST`, [cp])) as { transaction_id: number | null }[];
    // The two received now stay; the one also received years ago goes.
    expect(left.map((r) => r.transaction_id)).toEqual([stopped, null]);
  });

  it('runs on one replica at a time: none while the lock is held, either once it is free', async () => {
    const cp = uniqueStation('RET');
    await reading(a, cp, OLD, null);
    // Holds the job's lock as a running replica would, on a connection of its own.
    const holder = a.db.createQueryRunner();
    await holder.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(hashtext('ocpp_retention'))`);
      expect(await a.app.app.get(RetentionJob).runIfLeader()).toBeUndefined();
      expect(await b.app.app.get(RetentionJob).runIfLeader()).toBeUndefined();
      expect(await count(a, `SELECT count(*) AS n FROM meter_readings WHERE station_id = $1`, [cp])).toBe(1);
    } finally {
      await holder.query(`SELECT pg_advisory_unlock(hashtext('ocpp_retention'))`);
      await holder.release();
    }
    // Free again: a replica runs, and gives the lock back after its run, so the other gets it next time.
    expect((await a.app.app.get(RetentionJob).runIfLeader())?.deleted.meter_readings).toBeGreaterThanOrEqual(1);
    expect(await count(a, `SELECT count(*) AS n FROM meter_readings WHERE station_id = $1`, [cp])).toBe(0);
    expect(await b.app.app.get(RetentionJob).runIfLeader()).toBeDefined();
  });

  it('lets the readings of a transaction never stopped go once it started and was last read before the retention; its kept start stays while its station reports', async () => {
    const cp = uniqueStation('RET');
    await a.db.query(`INSERT INTO stations (id, last_seen_at) VALUES ($1, now())`, [cp]);
    // Stop lost, the connector gone quiet: nothing ends it by the lost-stop rule, its last reading is old.
    const abandoned = await transaction(a, cp, 1, OLD, null);
    // Started as long ago but still metered: a session that runs.
    const metered = await transaction(a, cp, 2, OLD, null);
    await reading(a, cp, OLD, abandoned);
    await reading(a, cp, new Date(OLD.getTime() + 60_000), abandoned);
    await reading(a, cp, OLD, metered);
    await reading(a, cp, RECENT, metered);
    await message(a, cp, UNSET_CLOCK_START, OLD);
    // Over by the lost-stop rule (a later start on its connector), whatever readings still name it.
    const superseded = await transaction(a, cp, 3, OLD, null);
    await transaction(a, cp, 3, new Date(OLD.getTime() + 60 * 60_000), new Date(OLD.getTime() + 2 * 60 * 60_000));
    await reading(a, cp, OLD, superseded);
    await reading(a, cp, RECENT, superseded);

    await a.app.app.get(RetentionJob).runIfLeader();
    const left = (await a.db.query(`SELECT transaction_id, sampled_at FROM meter_readings WHERE station_id = $1 ORDER BY sampled_at, transaction_id`, [cp])) as { transaction_id: number; sampled_at: Date }[];
    expect(left.map((r) => [r.transaction_id, r.sampled_at.getTime()])).toEqual([
      [metered, OLD.getTime()],
      [metered, RECENT.getTime()],
      [superseded, RECENT.getTime()],
    ]);
    expect(await count(a, `SELECT count(*) AS n FROM station_messages WHERE station_id = $1`, [cp])).toBe(1);
    // Once that one too has not been read since the retention, its readings go; the unset-clock kept
    // start stays while its transaction is not stopped and its station reports (a retry after a long power loss needs it).
    await a.db.query(`DELETE FROM meter_readings WHERE station_id = $1 AND sampled_at = $2`, [cp, RECENT]);
    await a.app.app.get(RetentionJob).runIfLeader();
    expect(await count(a, `SELECT count(*) AS n FROM station_messages WHERE station_id = $1`, [cp])).toBe(1);
    expect(await count(a, `SELECT count(*) AS n FROM meter_readings WHERE station_id = $1`, [cp])).toBe(0);
    expect(await count(a, `SELECT count(*) AS n FROM transactions WHERE station_id = $1`, [cp])).toBe(4);
  });

  it('gives every table its share of a capped run, and consecutive capped runs finish them all', async () => {
    const cp = uniqueStation('RET');
    for (let i = 0; i < 20; i++) await reading(a, cp, new Date(OLD.getTime() + i * 60_000), null);
    for (let i = 0; i < 3; i++) await message(a, cp, 'SecurityEventNotification', OLD);
    await a.db.query(`INSERT INTO rejected_frames (station_id, raw, reason, received_at) SELECT $1, 'x', 'bad', $2 FROM generate_series(1, 3)`, [cp, OLD]);
    await a.db.query(`INSERT INTO remote_starts (station_id, id_tag, requested_at, status) SELECT $1, 'T', $2, 'Rejected' FROM generate_series(1, 3)`, [cp, OLD]);

    const job = a.app.app.get(RetentionJob);
    const saved = { maxRowsPerRun: job.maxRowsPerRun, batchSize: job.batchSize, pauseMs: job.pauseMs };
    Object.assign(job, { maxRowsPerRun: 8, batchSize: 2, pauseMs: 0 });
    try {
      const first = (await job.runIfLeader())!;
      expect(first.complete).toBe(false);
      // The meter backlog (20 rows, over the cap of 8) did not take the whole run.
      expect(first.deleted).toMatchObject({ station_messages: expect.any(Number), rejected_frames: expect.any(Number), remote_starts: expect.any(Number) });
      expect(Math.min(first.deleted.meter_readings, first.deleted.station_messages, first.deleted.rejected_frames, first.deleted.remote_starts)).toBeGreaterThan(0);
      let runs = 1;
      for (let run = first; !run.complete; run = (await job.runIfLeader())!) expect(++runs).toBeLessThanOrEqual(6);
    } finally {
      Object.assign(job, saved);
    }
    for (const table of ['meter_readings', 'station_messages', 'rejected_frames', 'remote_starts']) {
      expect([table, await count(a, `SELECT count(*) AS n FROM ${table} WHERE station_id = $1`, [cp])]).toEqual([table, 0]);
    }
  });
});
