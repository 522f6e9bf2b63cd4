import { withBriefLock } from '@cpo/platform';
import { createDatabase, dropDatabase, uniqueSuffix } from '@cpo/testing';
import { DataSource } from 'typeorm';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A migration adding a column while a long reader (an export, the retention pass) holds the table:
 * the ALTER waits for its exclusive lock, and every writer arriving after it queues behind it, so
 * chargers' inserts stalled for as long as the reader ran. With brief tries they get through.
 */
describe('withBriefLock: a column added behind a long reader', () => {
  const name = `platform_brief_${uniqueSuffix()}`;
  let ds: DataSource;
  beforeAll(async () => {
    ds = await new DataSource({ type: 'postgres', url: await createDatabase(name), extra: { max: 4 } }).initialize();
    await ds.query(`CREATE TABLE readings (id serial PRIMARY KEY, v int NOT NULL)`);
  });
  afterAll(async () => {
    await ds.destroy();
    await dropDatabase(name);
  });

  it('writers keep going while it waits, and the column is added once the reader ends', async () => {
    const reader = ds.createQueryRunner();
    const migrator = ds.createQueryRunner();
    await reader.startTransaction();
    await reader.query(`SELECT count(*) FROM readings`); // holds ACCESS SHARE until it ends
    const altered = withBriefLock(migrator, `ALTER TABLE readings ADD COLUMN IF NOT EXISTS sent_at timestamptz`, { waitMs: 200, pauseMs: 300, attempts: 100 });
    let done = false;
    void altered.then(() => (done = true));
    await sleep(100); // the first try is waiting for its lock now

    // A charger's insert meanwhile: behind a plain ALTER it waited for the reader.
    const inserted = ds.query(`INSERT INTO readings (v) VALUES (1) RETURNING id`).then(() => 'inserted' as const);
    const outcome = await Promise.race([inserted, sleep(10_000).then(() => 'still waiting' as const)]);
    expect(outcome).toBe('inserted');
    expect(done).toBe(false);

    await reader.commitTransaction();
    await altered;
    const columns: { column_name: string }[] = await ds.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'readings' AND column_name = 'sent_at'`);
    expect(columns).toHaveLength(1);
    // Its session is left with the server's default again.
    expect(await migrator.query(`SHOW lock_timeout`)).toEqual([{ lock_timeout: '0' }]);
    await Promise.all([reader.release(), migrator.release()]);
  });

  it('gives up with the lock error after its tries, so the migration fails rather than stalls', async () => {
    const reader = ds.createQueryRunner();
    const migrator = ds.createQueryRunner();
    await reader.startTransaction();
    await reader.query(`SELECT count(*) FROM readings`);
    await expect(withBriefLock(migrator, `ALTER TABLE readings ADD COLUMN IF NOT EXISTS other_at timestamptz`, { waitMs: 50, pauseMs: 10, attempts: 3 })).rejects.toMatchObject({ code: '55P03' });
    await reader.commitTransaction();
    await Promise.all([reader.release(), migrator.release()]);
  });
});
