import { randomBytes } from 'node:crypto';
import { jetstreamManager, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { testServers } from './config.js';

export { testServers };

/** Short, lowercase, unique per call: safe in database names, stream names and subjects. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** URL of a database on the test server with the given name (not created). */
export function databaseUrl(name: string): string {
  const url = new URL(testServers.postgres);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function createDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: testServers.postgres });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return databaseUrl(name);
}

export async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: testServers.postgres });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/**
 * A stream no test run owns, never deleted. nats-server 2.9 removes an account's store directory
 * when its last stream is deleted, and a stream another test run creates at that moment fails with
 * "error creating store for stream" (seen in CI: five retries over 1.5 s all failed while parallel
 * suites kept emptying the account). Keeping one stream in the account takes that window away.
 */
const KEEPER_STREAM = 'CPO_TEST_KEEPER';

async function ensureKeeperStream(jsm: JetStreamManager): Promise<void> {
  try {
    await jsm.streams.info(KEEPER_STREAM);
  } catch {
    await jsm.streams
      .add({ name: KEEPER_STREAM, subjects: ['cpo-test-keeper'], storage: StorageType.File, max_msgs: 1 })
      .catch((err: unknown) => {
        // Another worker created it between our info and add.
        if (!/already in use|already exists/i.test(String(err))) throw err;
      });
  }
}

/** Deletes every stream of one test run's bus prefix (never the account's last stream). */
export async function deleteStreams(prefix: string): Promise<void> {
  const nc = await connect({ servers: testServers.nats });
  try {
    const jsm = await jetstreamManager(nc);
    await ensureKeeperStream(jsm);
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(`${prefix}_`)) await jsm.streams.delete(name);
    }
  } finally {
    await nc.close();
  }
}

/** Polls `check` until it returns true or the deadline passes; returns whether it succeeded. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 10_000, intervalMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return check();
}
