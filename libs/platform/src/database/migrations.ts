import { DataSource, type DataSourceOptions } from 'typeorm';
import type { Logger } from 'pino';

// Arbitrary constant: every replica of every service takes the same
// advisory lock key, scoped by database, so only one runs migrations at a time.
const MIGRATION_LOCK_KEY = 727_310_001;
const LOCK_POLL_MS = 200;

/**
 * Runs pending migrations under a PostgreSQL advisory lock, so replicas
 * starting together during a rollout do not race on DDL. Each migration
 * runs in its own transaction (unless it declares `transaction = false`, e.g. to build an index
 * concurrently); a failure stops the boot.
 */
export async function runMigrationsLocked(dataSource: DataSource, logger: Logger): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    // Polled, not waited for in pg_advisory_lock: a waiting statement holds a snapshot, and a
    // migration building an index CONCURRENTLY waits for every such snapshot to end, which would
    // wait for the migration: replicas starting together would hang.
    while (!(await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [MIGRATION_LOCK_KEY]))[0].locked) {
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const m of applied) logger.info({ migration: m.name }, 'migration applied');
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

/**
 * Migrates on a pool of its own built like the service's but without its statement and query
 * timeouts: an index built CONCURRENTLY, or a migration rewriting a large table, may rightly
 * take longer than any query of the running service should.
 */
export async function migrate(dataSource: DataSource, logger: Logger): Promise<void> {
  const { statement_timeout: _s, query_timeout: _q, ...extra } = (dataSource.options as { extra?: Record<string, unknown> }).extra ?? {};
  // Two connections: the advisory lock's and the one the migrations run on.
  const migrator = new DataSource({ ...dataSource.options, extra: { ...extra, max: 2 } } as DataSourceOptions);
  await migrator.initialize();
  try {
    await runMigrationsLocked(migrator, logger);
  } finally {
    await migrator.destroy();
  }
}
