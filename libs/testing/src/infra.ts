import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
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

/** Deletes every stream of one test run's bus prefix. */
export async function deleteStreams(prefix: string): Promise<void> {
  const nc = await connect({ servers: testServers.nats });
  try {
    const jsm = await jetstreamManager(nc);
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
