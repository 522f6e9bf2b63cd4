import pg from 'pg';
import type { Logger } from 'pino';

/**
 * Creates the service's database when it does not exist yet, by connecting to
 * the server's `postgres` maintenance database with the same credentials.
 * Two replicas racing here is fine: the loser sees duplicate_database.
 */
export async function ensureDatabase(databaseUrl: string, logger: Logger, connectTimeoutMs = 20_000): Promise<void> {
  // Bounded, as the pool is: a server that accepts and never answers must fail the boot, not hang it.
  const connection = { connectionTimeoutMillis: connectTimeoutMs, keepAlive: true };
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  const probe = new pg.Client({ connectionString: databaseUrl, ...connection });
  try {
    await probe.connect();
    return;
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw err; // anything but "database does not exist"
  } finally {
    await probe.end().catch(() => undefined);
  }
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString(), ...connection });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
    logger.info({ database: name }, 'database created');
  } catch (err) {
    if ((err as { code?: string }).code !== '42P04') throw err; // duplicate_database: another replica won
  } finally {
    await admin.end();
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
