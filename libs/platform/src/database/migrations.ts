import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';

// Arbitrary constant: every replica of every service takes the same
// advisory lock key, scoped by database, so only one runs migrations at a time.
const MIGRATION_LOCK_KEY = 727_310_001;

/**
 * Runs pending migrations under a PostgreSQL advisory lock, so replicas
 * starting together during a rollout do not race on DDL. Each migration
 * runs in its own transaction; a failure stops the boot.
 */
export async function runMigrationsLocked(dataSource: DataSource, logger: Logger): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const m of applied) logger.info({ migration: m.name }, 'migration applied');
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}
