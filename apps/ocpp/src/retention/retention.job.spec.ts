import type { MetricsService } from '@cpo/platform';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { OcppConfig } from '../config.js';
import { OcppMetrics } from '../metrics/ocpp-metrics.js';
import { RETENTION_BATCH, RetentionJob, tableShare } from './retention.job.js';
import type { RetentionRepository, RetentionTable } from './retention.repository.js';

const NOW = new Date('2026-12-05T00:00:00Z');

/** A job over a fake database: `backlog` old rows per table and station; `locked` another replica's lock. */
function job(meterDays: number, messageDays: number, backlog: Partial<Record<RetentionTable, Record<string, number>>>, o: { locked?: boolean; failing?: { stationId: string; code: string } } = {}) {
  const calls: { table: RetentionTable; stationId: string; cutoff: Date; limit: number }[] = [];
  // \`left\` gets every table, so a table the test gives no backlog has no stations rather than failing.
  let closed = 0;
  const left = structuredClone(backlog);
  const session = {
    tryLock: async () => !o.locked,
    nextStation: async (table: RetentionTable, after: string | undefined, before?: string) =>
      Object.keys(left[table] ?? {}).sort().find((s) => (after === undefined || s > after) && (before === undefined || s < before)),
    deleteBatch: async (table: RetentionTable, stationId: string, cutoff: Date, limit: number) => {
      calls.push({ table, stationId, cutoff, limit });
      if (o.failing?.stationId === stationId) throw Object.assign(new Error('canceling statement due to statement timeout'), { code: o.failing.code });
      const n = Math.min(left[table]?.[stationId] ?? 0, limit);
      if (n === 0) return 0;
      left[table]![stationId]! -= n;
      return n;
    },
    close: async () => void closed++,
  };
  const repo = { openSession: async () => session } as unknown as RetentionRepository;
  const config = { OCPP_METER_RETENTION_DAYS: meterDays, OCPP_MESSAGE_RETENTION_DAYS: messageDays } as OcppConfig;
  const metrics = new OcppMetrics({ registry: new Registry() } as unknown as MetricsService);
  const j = new RetentionJob(repo, config, pino({ level: 'silent' }), metrics);
  j.pauseMs = 0;
  return { j, calls, closed: () => closed, metrics, left };
}

describe('RetentionJob.runIfLeader', () => {
  it('deletes station by station in batches until one comes back short, from each table\'s own age', async () => {
    const { j, calls, closed } = job(400, 180, { meter_readings: { A: RETENTION_BATCH * 2 + 3, B: 7 }, station_messages: { A: 2 }, rejected_frames: { C: 1 } });
    const run = await j.runIfLeader(NOW);
    expect(run).toEqual({ deleted: { meter_readings: RETENTION_BATCH * 2 + 10, meter_values: 0, station_messages: 2, rejected_frames: 1, remote_starts: 0 }, complete: true });
    expect(calls.filter((c) => c.table === 'meter_readings').map((c) => c.stationId)).toEqual(['A', 'A', 'A', 'B']);
    expect(calls.find((c) => c.table === 'meter_readings')!.cutoff).toEqual(new Date('2025-10-31T00:00:00Z'));
    expect(calls.find((c) => c.table === 'station_messages')!.cutoff).toEqual(new Date('2026-06-08T00:00:00Z'));
    expect(calls.every((c) => c.limit === RETENTION_BATCH)).toBe(true);
    expect(closed()).toBe(1);
  });

  it("skips a station whose delete timed out and goes on with the others and the other tables", async () => {
    const { j, left } = job(400, 180, { meter_readings: { A: 3, B: 4, C: 5 }, station_messages: { A: 1, B: 2 } }, { failing: { stationId: 'B', code: '57014' } });
    const run = await j.runIfLeader(NOW);
    expect(run).toEqual({ deleted: { meter_readings: 8, meter_values: 0, station_messages: 1, rejected_frames: 0, remote_starts: 0 }, complete: false });
    expect(left.meter_readings).toEqual({ A: 0, B: 4, C: 0 });
  });

  it('stops the run on any other database error (a lost connection is not one station\'s)', async () => {
    const { j, closed } = job(400, 180, { meter_readings: { A: 3, B: 4 } }, { failing: { stationId: 'A', code: '08006' } });
    await expect(j.runIfLeader(NOW)).rejects.toThrow('statement timeout');
    expect(closed()).toBe(1);
  });

  it('keeps a kind of data whose retention is 0', async () => {
    const { j, calls } = job(0, 30, { meter_readings: { A: 5 }, meter_values: { A: 5 }, remote_starts: { A: 1 } });
    expect((await j.runIfLeader(NOW))!.deleted).toMatchObject({ meter_readings: 0, meter_values: 0, remote_starts: 1 });
    expect(calls.map((c) => c.table)).toEqual(['remote_starts']);
    const none = job(0, 0, { meter_readings: { A: 5 }, station_messages: { A: 5 } });
    expect((await none.j.runIfLeader(NOW))!.deleted).toMatchObject({ meter_readings: 0, station_messages: 0 });
    expect(none.calls).toEqual([]);
  });

  it('does nothing while another replica holds the lock, and gives the connection back', async () => {
    const { j, calls, closed } = job(1, 1, { meter_readings: { A: 5 } }, { locked: true });
    expect(await j.runIfLeader(NOW)).toBeUndefined();
    expect(calls).toEqual([]);
    expect(closed()).toBe(1);
  });

  it('stops at the run\'s row cap and reports the run incomplete (the next one continues)', async () => {
    const { j } = job(1, 1, { meter_readings: { A: RETENTION_BATCH * 1_000 } });
    const run = (await j.runIfLeader(NOW))!;
    expect(run.complete).toBe(false);
    expect(run.deleted.meter_readings).toBeLessThan(RETENTION_BATCH * 1_000);
  });

  it('counts what it deleted per table', async () => {
    const { j, metrics } = job(1, 1, { meter_readings: { A: 3 }, rejected_frames: { B: 2 } });
    await j.runIfLeader(NOW);
    const values = (await metrics.retentionDeleted.get()).values;
    expect(values.find((v) => v.labels['table'] === 'meter_readings')?.value).toBe(3);
    expect(values.find((v) => v.labels['table'] === 'rejected_frames')?.value).toBe(2);
  });

  it('stops between statements once shutting down', async () => {
    const { j, calls } = job(1, 1, { meter_readings: { A: RETENTION_BATCH * 3, B: 1 } });
    await j.onModuleDestroy();
    const run = await j.runIfLeader(NOW);
    expect(run?.complete ?? false).toBe(false);
    expect(calls).toEqual([]);
  });

  it('gives every table its share of a capped run: a meter backlog beyond the cap leaves the message tables theirs', async () => {
    const { j } = job(1, 1, { meter_readings: { A: RETENTION_BATCH * 1_000 }, station_messages: { B: 3 }, rejected_frames: { C: 2 }, remote_starts: { D: 1 } });
    const run = (await j.runIfLeader(NOW))!;
    expect(run.complete).toBe(false);
    expect(run.deleted).toMatchObject({ station_messages: 3, rejected_frames: 2, remote_starts: 1 });
    // What the other tables left goes to the backlog: the run still uses its whole cap.
    expect(run.deleted.meter_readings).toBeGreaterThanOrEqual(j.maxRowsPerRun - 6);
  });

  it('resumes a table at the station where the previous capped run stopped, not at its first station', async () => {
    const { j, calls, left } = job(1, 1, { meter_readings: { A: 1, B: RETENTION_BATCH * 3, C: 1 } });
    j.maxRowsPerRun = RETENTION_BATCH * 2;
    expect((await j.runIfLeader(NOW))!.complete).toBe(false);
    const first = calls.length;
    expect(calls.at(-1)!.stationId).toBe('B');
    expect((await j.runIfLeader(NOW))!.complete).toBe(true);
    expect(calls[first]!.stationId).toBe('B');
    expect(left.meter_readings).toEqual({ A: 0, B: 0, C: 0 });
    // A's empty range searched again only once the second run went round to it, not before the backlog.
    expect(calls.map((c) => c.stationId)).toEqual(['A', 'B', 'B', 'B', 'B', 'C', 'A']);
  });

  it('reports a resumed run complete only once it went round to the stations before its cursor: a skipped one there is still to do', async () => {
    const { j, left } = job(1, 1, { meter_readings: { A: 3, B: RETENTION_BATCH * 3, C: 1 } }, { failing: { stationId: 'A', code: '57014' } });
    j.maxRowsPerRun = RETENTION_BATCH * 2;
    expect((await j.runIfLeader(NOW))!.complete).toBe(false);
    // Resumed at B, it reaches the last station; A, skipped by the run before, times out again.
    expect((await j.runIfLeader(NOW))!.complete).toBe(false);
    expect(left.meter_readings).toEqual({ A: 3, B: 0, C: 0 });
  });

  it('deletes in a resumed run what aged past the cutoff since on the stations before its cursor, before reporting it complete', async () => {
    const { j, calls, left } = job(1, 1, { meter_readings: { A: 1, B: RETENTION_BATCH * 3, C: 1 } });
    j.maxRowsPerRun = RETENTION_BATCH * 2;
    expect((await j.runIfLeader(NOW))!.complete).toBe(false);
    left.meter_readings!['A'] = 2;
    const first = calls.length;
    const later = new Date(NOW.getTime() + 60 * 60_000);
    expect(await j.runIfLeader(later)).toEqual({ deleted: expect.objectContaining({ meter_readings: RETENTION_BATCH + 3 }), complete: true });
    expect(left.meter_readings).toEqual({ A: 0, B: 0, C: 0 });
    // From the cursor to the last station, then round from the first to where it began; no further.
    expect(calls.slice(first).map((c) => c.stationId)).toEqual(['B', 'B', 'C', 'A']);
    // The next run, complete, starts at the first station.
    const second = calls.length;
    expect((await j.runIfLeader(later))!.complete).toBe(true);
    expect(calls.slice(second).map((c) => c.stationId)).toEqual(['A', 'B', 'C']);
  });
});

describe('tableShare', () => {
  it('splits what is left of the run equally among the tables still to work in this pass', () => {
    expect(tableShare({ rows: 2_000_000, ms: 600_000 }, 5)).toEqual({ rows: 400_000, ms: 120_000 });
    // A table that used little leaves the rest to the next ones.
    expect(tableShare({ rows: 1_999_990, ms: 599_000 }, 4)).toEqual({ rows: 499_997.5, ms: 149_750 });
    expect(tableShare({ rows: 0, ms: 1_000 }, 2)).toEqual({ rows: 0, ms: 500 });
    expect(tableShare({ rows: 10, ms: -5 }, 1)).toEqual({ rows: 10, ms: 0 });
  });
});
