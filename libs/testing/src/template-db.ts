import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataSourceOptions, type DatabaseModuleOptions } from '@cpo/platform';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { testServers } from './config.js';
import { databaseUrl, uniqueSuffix } from './infra.js';

type Migrations = DatabaseModuleOptions['migrations'];

// Templates of another migration history (a migration added or edited since, or another worktree's)
// are dropped once unused this long (the comment holds the last use, refreshed by every clone), so a
// run still cloning one is not pulled from under; one dropped between its lookup and its clone anyway
// is built again.
const STALE_TEMPLATE_MS = 60 * 60_000;

/**
 * Creates `name` already migrated, as a copy of a template database holding exactly these
 * migrations: a service's boot then finds nothing to apply. Running two dozen migrations took
 * longer than the rest of a boot; copying a database costs what creating an empty one does.
 * The template is named after a hash of the migrations' names and code, so an added or edited
 * migration gets a new one, built once (by whichever test process gets there first).
 */
export async function createMigratedDatabase(name: string, service: string, migrations: Migrations): Promise<void> {
  const template = `tpl_${service}_${historyHash(migrations)}`;
  const admin = new pg.Client({ connectionString: testServers.postgres });
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
      try {
        // The comment is the template's last use: another history's run drops only templates unused for long.
        if (exists.rowCount) await touch(admin, template);
        else await buildTemplate(admin, template, service, migrations);
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        return;
      } catch (err) {
        // invalid_catalog_name: dropped as stale by another run since it was looked up; built again.
        if ((err as { code?: string }).code !== '3D000' || attempt >= 3) throw err;
      }
    }
  } finally {
    await admin.end();
  }
}

function historyHash(migrations: Migrations): string {
  const hash = createHash('sha256');
  // A class's code is not all of its schema: Messaging1732300000000.up() only calls messagingSchema.up(),
  // and createIndexConcurrently builds indexes for others. The schema code of the workspace counts too.
  hash.update(schemaSourcesDigest(process.cwd()));
  for (const m of migrations as { name: string; prototype: Record<string, unknown> }[]) {
    hash.update(`${m.name}\n${String(m.prototype['up'])}\n${String(m.prototype['down'])}\n${JSON.stringify(new (m as unknown as new () => object)())}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

/** Migrates a scratch database, then publishes it under the template's name with one rename. */
async function buildTemplate(admin: pg.Client, template: string, service: string, migrations: Migrations): Promise<void> {
  const scratch = `${template}_${uniqueSuffix()}`;
  await admin.query(`CREATE DATABASE "${scratch}"`);
  try {
    const url = databaseUrl(scratch);
    const ds = new DataSource(dataSourceOptions({ DATABASE_URL: url, SERVICE_NAME: 'test-template', DATABASE_POOL_SIZE: 1, DATABASE_POOL_TIMEOUT_MS: 20_000 }, { migrations }));
    await ds.initialize();
    try {
      await ds.runMigrations({ transaction: 'each' });
    } finally {
      await ds.destroy();
    }
    await admin.query(`ALTER DATABASE "${scratch}" RENAME TO "${template}"`);
  } catch (err) {
    // Another test process published the same template first: duplicate_database when its rename had
    // committed, a unique violation of the catalog's name index when both renames ran at once.
    const { code, constraint } = err as { code?: string; constraint?: string };
    const publishedElsewhere = code === '42P04' || (code === '23505' && constraint === 'pg_database_datname_index');
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE)`);
    } catch (dropErr) {
      // The build's own error stays what is reported (a failed drop would have replaced it), with
      // the database left behind named so that it can be dropped by hand.
      const what = publishedElsewhere ? 'the template was published by another process' : messageOf(err);
      throw new AggregateError([err, dropErr], `${what}; scratch database ${scratch} left behind (drop failed: ${messageOf(dropErr)})`, { cause: err });
    }
    if (!publishedElsewhere) throw err;
    return;
  }
  await touch(admin, template);
  await dropStaleTemplates(admin, service, template);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function touch(admin: pg.Client, template: string): Promise<void> {
  await admin.query(`COMMENT ON DATABASE "${template}" IS '${new Date().toISOString()}'`);
}

async function dropStaleTemplates(admin: pg.Client, service: string, current: string): Promise<void> {
  const { rows } = await admin.query<{ datname: string; built: string | null }>(
    `SELECT datname, shobj_description(oid, 'pg_database') AS built FROM pg_database WHERE datname LIKE $1 AND datname <> $2`,
    [`tpl\\_${service}\\_%`, current],
  );
  for (const { datname, built } of rows) {
    // A scratch database has no comment: one a build left when its process was killed would stay
    // for good. Its name holds when it was created; no build runs for an hour.
    const since = built ? Date.parse(built) : scratchCreatedAt(datname);
    if (since !== undefined && Date.now() - since > STALE_TEMPLATE_MS) await admin.query(`DROP DATABASE IF EXISTS "${datname}"`).catch(() => undefined);
  }
}

/** When buildTemplate created a scratch database (`<template>_<uniqueSuffix()>`), or undefined for another name. */
function scratchCreatedAt(datname: string): number | undefined {
  const match = /_[0-9a-f]{16}_([0-9a-z]+)[0-9a-f]{6}$/.exec(datname);
  const ms = match ? parseInt(match[1]!, 36) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * A digest of the workspace's code that can shape a schema: every non-spec `.ts` file under
 * `apps/<project>/src` and `libs/<project>/src` that names `QueryRunner` or `MigrationInterface` (migrations and
 * the helpers they delegate to, which a migration class's own code does not show). A superset: an
 * edit there that changes no schema only costs one template build. Read at each call (~2 MB,
 * a few ms beside a boot).
 */
export function schemaSourcesDigest(root: string): string {
  const hash = createHash('sha256');
  const files: string[] = [];
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory() && e.name !== 'node_modules') walk(path);
      else if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') && !e.name.endsWith('.d.ts')) files.push(path);
    }
  };
  for (const top of ['apps', 'libs']) {
    let projects: string[] = [];
    try {
      projects = readdirSync(join(root, top));
    } catch {
      continue;
    }
    for (const project of projects) walk(join(root, top, project, 'src'));
  }
  for (const path of files.sort()) {
    const text = readFileSync(path, 'utf8');
    if (/QueryRunner|MigrationInterface/.test(text)) hash.update(`${path.slice(root.length)}\n${text}\n`);
  }
  return hash.digest('hex');
}
