import { createDatabase, dropDatabase, uniqueSuffix } from '@cpo/testing';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { RemoteStarts1763900000001 } from '../src/migrations/1763900000001-remote-starts.js';
import { migrations } from '../src/migrations/index.js';

/**
 * `remote_starts` as its migration first created it (commit cbfd377), before the file was edited
 * in place: databases that ran this version never ran the edited one.
 */
class RemoteStartsAsFirstReleased implements MigrationInterface {
  name = 'RemoteStarts1763900000001';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE remote_starts (
        id bigserial PRIMARY KEY,
        station_id text NOT NULL, connector_id integer, id_tag text NOT NULL,
        requested_at timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL CHECK (status IN ('Accepted','Started','TimedOut')),
        transaction_id integer, settled_at timestamptz
      )`);
    await q.query(`CREATE INDEX remote_starts_open ON remote_starts (station_id, id_tag) WHERE status = 'Accepted'`);
    await q.query(`CREATE INDEX remote_starts_station ON remote_starts (station_id, requested_at DESC)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS remote_starts`);
  }
}

/** Tables' columns, indexes, constraints and views of the public schema, comparable between databases. */
async function schemaOf(db: DataSource): Promise<Record<string, string[]>> {
  const list = async (sql: string) => ((await db.query(sql)) as { x: string }[]).map((r) => r.x);
  return {
    columns: await list(`SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS x FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1`),
    indexes: await list(`SELECT indexdef AS x FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`),
    constraints: await list(`SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS x FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1`),
    views: await list(`SELECT viewname || ' ' || definition AS x FROM pg_views WHERE schemaname = 'public' ORDER BY 1`),
  };
}

describe('ocpp migrations', () => {
  const fresh = `ocpp_fresh_${uniqueSuffix()}`;
  const upgraded = `ocpp_upgr_${uniqueSuffix()}`;
  const sources: DataSource[] = [];
  afterAll(async () => {
    await Promise.all(sources.map((s) => s.destroy()));
    await Promise.all([dropDatabase(fresh), dropDatabase(upgraded)]);
  });

  async function migrated(database: string, history: MigrationInterface[] | (new () => MigrationInterface)[]): Promise<DataSource> {
    const db = new DataSource({ type: 'postgres', url: await createDatabase(database), migrations: history as (new () => MigrationInterface)[] });
    sources.push(db);
    await db.initialize();
    await db.runMigrations({ transaction: 'each' });
    return db;
  }

  it('a database upgraded from the first release of every migration ends in the same schema as a fresh one', async () => {
    const original = migrations.map((m) => (m === RemoteStarts1763900000001 ? RemoteStartsAsFirstReleased : m));
    const [a, b] = await Promise.all([migrated(fresh, migrations), migrated(upgraded, original)]);
    expect(await schemaOf(b)).toEqual(await schemaOf(a));
  });
});
