/**
 * Part 1a's stations: each with its own AuthorizationKey, stored as the service stores it (a salted
 * scrypt hash, security profile 1). Written to the database directly: the operator API
 * (`PUT /api/v1/stations/{id}`) hashes each password on the service, 25–50 ms of CPU per station,
 * minutes for 10,000, and the row it writes for a new station is this one.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { databaseUrl } from '@cpo/testing';
import pg from 'pg';
import { hashPassword } from '../../apps/ocpp/src/stations/password.js';
import { pool } from './fleet.js';
import { out } from './settings.js';

export interface StationKey {
  /** The AuthorizationKey as the charger sends it: 32 hex digits. */
  password: string;
  hash: string;
}

/**
 * Hashing costs the same scrypt run as a check, so the keys are kept between runs (the identities
 * are new each run, the keys need not be): only the first run with a larger fleet pays for them.
 */
const CACHE = join(tmpdir(), 'bench-ocpp-station-keys.json');

export async function stationKeys(n: number): Promise<StationKey[]> {
  // A cached hash made with other scrypt parameters than the service's today would not cost what a check costs now.
  const params = (await hashPassword('probe')).split('$').slice(0, 4).join('$') + '$';
  let keys: StationKey[] = [];
  try {
    keys = (JSON.parse(readFileSync(CACHE, 'utf8')) as StationKey[]).filter((k) => k.hash.startsWith(params));
  } catch {
    // no cache yet
  }
  if (keys.length >= n) return keys.slice(0, n);
  const started = performance.now();
  const missing = Array.from({ length: n - keys.length }, () => randomBytes(16).toString('hex'));
  out(`  hashing ${missing.length} station keys (kept in ${CACHE} for later runs)`);
  // As many at once as libuv has threads: more only queue.
  await pool(missing, 4, async (password) => {
    keys.push({ password, hash: await hashPassword(password) });
  });
  writeFileSync(CACHE, JSON.stringify(keys), { mode: 0o600 });
  out(`  hashed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return keys.slice(0, n);
}

/** Creates the stations as the operator API does for a new one with `securityProfile: 1` and a password. */
export async function seedStations(database: string, ids: string[], keys: StationKey[]): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl(database) });
  await client.connect();
  try {
    for (let i = 0; i < ids.length; i += 5_000) {
      await client.query(
        `INSERT INTO stations (id, registration_status, security_profile, password_hash)
         SELECT id, 'Accepted', 1, hash FROM unnest($1::text[], $2::text[]) AS t(id, hash)`,
        [ids.slice(i, i + 5_000), keys.slice(i, i + 5_000).map((k) => k.hash)],
      );
    }
  } finally {
    await client.end();
  }
}

/** The `Authorization` header a security-profile-1 charger sends: Basic, its identity and its key. */
export function basicAuth(stationId: string, password: string): string {
  return `Basic ${Buffer.from(`${stationId}:${password}`).toString('base64')}`;
}
