import type { QueryRunner } from 'typeorm';

/**
 * `CREATE INDEX CONCURRENTLY` for a migration declared `transaction = false`: the table stays
 * writable while the index builds (a plain CREATE INDEX blocks every write to it for the whole
 * build, i.e. chargers' transactions during a rollout on a large table). A build that failed
 * half-way leaves the index behind marked invalid, which `IF NOT EXISTS` would keep for good: it is
 * dropped and built again. `definition`: `table (columns…)`, as after `ON`.
 */
export async function createIndexConcurrently(q: QueryRunner, name: string, definition: string): Promise<void> {
  const found: { valid: boolean }[] = await q.query(
    `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = $1 AND pg_table_is_visible(c.oid)`,
    [name],
  );
  if (found[0]?.valid) return;
  if (found.length > 0) await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
  await q.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${name} ON ${definition}`);
}
