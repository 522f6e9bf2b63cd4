import { REDIS } from '@cpo/platform';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { RetentionJob } from '../src/retention/retention.job.js';
import { startRems, type RemsTestApp } from './fixture.js';

const DAY = 24 * 60 * 60_000;

describe('rems-ingest retention (real PostgreSQL and Redis)', () => {
  let t: RemsTestApp;
  let db: pg.Client;
  beforeAll(async () => {
    t = await startRems({ REMS_RAW_FRAME_RETENTION_DAYS: '30' });
    db = new pg.Client({ connectionString: t.config.DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('deletes raw frames past REMS_RAW_FRAME_RETENTION_DAYS and long-expired refresh tokens, keeping readings and the rest', async () => {
    const d = await t.provision({ modules: { 0: 'SOLAR_PV_SINGLE' } });
    await t.connect(d); // a live refresh token
    const frame = (ageMs: number) =>
      db.query(
        `INSERT INTO raw_frame (tenant_alias, transceiver_id, port, channel, data_hex, kind, flags, received_at) VALUES ($1, $2, 0, 'http', '14', 'reading', '{}', $3) RETURNING id`,
        [d.tenantAlias, d.transceiverId, new Date(Date.now() - ageMs)],
      );
    const old = [];
    for (let i = 0; i < 3; i++) old.push((await frame(31 * DAY + i * 1000)).rows[0].id as string);
    const kept = [(await frame(29 * DAY)).rows[0].id as string, (await frame(0)).rows[0].id as string];
    // A reading of an old frame stays: the graphs read readings, not raw frames.
    await db.query(
      `INSERT INTO meter_reading (raw_frame_id, tenant_alias, transceiver_id, port, layout_key, received_at, "values", flags) VALUES ($1, $2, $3, 0, 'pv1', now() - interval '31 days', '{}', '{}')`,
      [old[0], d.tenantAlias, d.transceiverId],
    );
    const token = (expiresAgoMs: number) =>
      db.query(`INSERT INTO refresh_token (jti, transceiver_id, generation, expires_at) VALUES (gen_random_uuid(), $1, 0, $2) RETURNING jti`, [d.transceiverId, new Date(Date.now() - expiresAgoMs)]);
    const expiredLongAgo = (await token(2 * DAY)).rows[0].jti as string;
    const justExpired = (await token(60 * 60_000)).rows[0].jti as string;

    const job = t.app.get(RetentionJob);
    const run = await job.runIfLeader();
    expect(run).toEqual({ rawFrames: 3, refreshTokens: 1, complete: true });
    // Another replica (or a second call) within the hour finds the lock taken.
    expect(await job.runIfLeader()).toBeUndefined();
    await t.app.get<Redis>(REDIS).del(`rems-retention:${new URL(t.config.DATABASE_URL).pathname}`);

    const frames = await db.query(`SELECT id FROM raw_frame WHERE transceiver_id = $1 ORDER BY id`, [d.transceiverId]);
    expect(frames.rows.map((r) => r.id)).toEqual(kept);
    expect((await db.query(`SELECT 1 FROM meter_reading WHERE raw_frame_id = $1`, [old[0]])).rowCount).toBe(1);
    const tokens = (await db.query(`SELECT jti FROM refresh_token WHERE transceiver_id = $1`, [d.transceiverId])).rows.map((r) => r.jti);
    expect(tokens).toContain(justExpired);
    expect(tokens).not.toContain(expiredLongAgo);
    expect(tokens.length).toBe(2);
  });
});
