import { z } from 'zod';
import { ConfigError, loadConfig } from './load-config.js';
import { platformEnvShape } from './platform-config.js';

const load = (env: NodeJS.ProcessEnv) =>
  loadConfig((e) => z.object(platformEnvShape(e, { service: 'planner', port: 3005, database: 'planner' })), env);

describe('loadConfig', () => {
  it('gives development working local defaults', () => {
    const c = load({});
    expect(c).toMatchObject({
      NODE_ENV: 'development',
      HTTP_PORT: 3005,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/planner',
      NATS_URL: ['nats://127.0.0.1:4222'],
      DATABASE_CREATE_IF_MISSING: true,
      SERVICE_NAME: 'planner',
    });
  });

  it('coerces numbers, booleans and URL lists from strings', () => {
    const c = load({ HTTP_PORT: '8080', DATABASE_CREATE_IF_MISSING: 'false', NATS_URL: 'nats://a:4222, nats://b:4222' });
    expect(c.HTTP_PORT).toBe(8080);
    expect(c.DATABASE_CREATE_IF_MISSING).toBe(false);
    expect(c.NATS_URL).toEqual(['nats://a:4222', 'nats://b:4222']);
  });

  it('keeps published outbox rows 72 h by default; 0 (delete once published) is allowed, a negative value is not', () => {
    expect(load({}).OUTBOX_RETENTION_HOURS).toBe(72);
    expect(load({ OUTBOX_RETENTION_HOURS: '0' }).OUTBOX_RETENTION_HOURS).toBe(0);
    expect(() => load({ OUTBOX_RETENTION_HOURS: '-1' })).toThrow(/OUTBOX_RETENTION_HOURS/);
  });

  it('names every bad variable in one error, hiding secret values', () => {
    let error: ConfigError | undefined;
    try {
      load({ HTTP_PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.problems).toHaveLength(3);
    expect(error?.message).toMatch(/HTTP_PORT: .*\("eighty"\)/);
    expect(error?.message).toMatch(/DATABASE_URL: expected a URL with scheme postgres or postgresql \(set \(hidden\)\)/);
    expect(error?.message).toMatch(/LOG_LEVEL/);
  });

  it('has no production defaults for secrets and endpoints', () => {
    expect(() => load({ NODE_ENV: 'production' })).toThrow(/DATABASE_URL[\s\S]*NATS_URL[\s\S]*REDIS_URL[\s\S]*OPERATOR_API_KEY/);
    const c = load({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://planner:pw@db:5432/planner',
      NATS_URL: 'nats://nats:4222',
      REDIS_URL: 'redis://redis:6379',
      OPERATOR_API_KEY: 'a-long-enough-secret-key',
    });
    expect(c.DATABASE_CREATE_IF_MISSING).toBe(false);
  });

  it('rejects a short operator key and an unknown NODE_ENV', () => {
    expect(() => load({ OPERATOR_API_KEY: 'short' })).toThrow(/OPERATOR_API_KEY: must be at least 16 characters/);
    expect(() => load({ NODE_ENV: 'staging' })).toThrow(/NODE_ENV/);
  });

  it('bounds every timer setting below the largest delay Node honours (2^31-1 ms runs after 1 ms)', () => {
    // An oversized SHUTDOWN_TIMEOUT_MS would otherwise force the exit 1 ms after SIGTERM, with no drain.
    const oversized = String(2 ** 31);
    for (const name of ['SHUTDOWN_TIMEOUT_MS', 'OUTBOX_POLL_INTERVAL_MS', 'CONSUMER_ACK_WAIT_MS', 'REDIS_COMMAND_TIMEOUT_MS', 'DATABASE_STATEMENT_TIMEOUT_MS']) {
      expect(() => load({ [name]: oversized })).toThrow(new RegExp(`${name}: `));
    }
    expect(load({ SHUTDOWN_TIMEOUT_MS: '600000', OUTBOX_POLL_INTERVAL_MS: '60000', CONSUMER_ACK_WAIT_MS: '600000' })).toMatchObject({
      SHUTDOWN_TIMEOUT_MS: 600_000,
      OUTBOX_POLL_INTERVAL_MS: 60_000,
      CONSUMER_ACK_WAIT_MS: 600_000,
    });
    expect(() => load({ SHUTDOWN_TIMEOUT_MS: '600001' })).toThrow(/SHUTDOWN_TIMEOUT_MS/);
  });

  it('times out a silent Redis or PostgreSQL by default, within bounds', () => {
    expect(load({})).toMatchObject({ REDIS_COMMAND_TIMEOUT_MS: 3000, DATABASE_STATEMENT_TIMEOUT_MS: 60_000 });
    expect(load({ REDIS_COMMAND_TIMEOUT_MS: '500', DATABASE_STATEMENT_TIMEOUT_MS: '3600000' })).toMatchObject({
      REDIS_COMMAND_TIMEOUT_MS: 500,
      DATABASE_STATEMENT_TIMEOUT_MS: 3_600_000,
    });
    expect(() => load({ REDIS_COMMAND_TIMEOUT_MS: '60001' })).toThrow(/REDIS_COMMAND_TIMEOUT_MS/);
    expect(() => load({ REDIS_COMMAND_TIMEOUT_MS: '0' })).toThrow(/REDIS_COMMAND_TIMEOUT_MS/);
    expect(() => load({ DATABASE_STATEMENT_TIMEOUT_MS: '999' })).toThrow(/DATABASE_STATEMENT_TIMEOUT_MS/);
  });

  it('takes an optional key for the refs of personal data in logs: unset by default (unkeyed refs), at least 32 characters when set', () => {
    expect(load({}).LOG_PERSONAL_DATA_KEY).toBeUndefined();
    expect(load({ NODE_ENV: 'production', DATABASE_URL: 'postgres://p@db:5432/p', NATS_URL: 'nats://n:4222', REDIS_URL: 'redis://r:6379', OPERATOR_API_KEY: 'a-long-enough-secret-key' }).LOG_PERSONAL_DATA_KEY).toBeUndefined();
    const key = 'k'.repeat(32);
    expect(load({ LOG_PERSONAL_DATA_KEY: key }).LOG_PERSONAL_DATA_KEY).toBe(key);
    expect(() => load({ LOG_PERSONAL_DATA_KEY: 'k'.repeat(31) })).toThrow(/LOG_PERSONAL_DATA_KEY: must be at least 32 characters \(set \(hidden\)\)/);
    // A newline from `kubectl create secret --from-file` would key every ref with a byte the operator's one-liner lacks.
    expect(() => load({ LOG_PERSONAL_DATA_KEY: `${key}\n` })).toThrow(/LOG_PERSONAL_DATA_KEY: .*whitespace/);
  });

  it('treats an empty variable as unset', () => {
    expect(load({ HTTP_PORT: '' }).HTTP_PORT).toBe(3005);
  });
});
