import { ConfigError } from '@cpo/platform';
import { loadRemsIngestConfig } from './config.js';

describe('rems-ingest config', () => {
  it('boots with no environment in development, with the REMS defaults', () => {
    const config = loadRemsIngestConfig({});
    expect(config).toMatchObject({ HTTP_PORT: 3004, REMS_MQTT_TOPIC_ROOT: '/rems', REMS_REFRESH_GRACE_SECONDS: 60, REMS_MQTT_DEDUP_SECONDS: 120, REMS_MQTT_SHARED_GROUP: 'rems-ingest' });
    expect(config.REMS_JWT_ACCESS_SECRET).not.toBe(config.REMS_JWT_REFRESH_SECRET);
  });

  it('has no secret defaults in production', () => {
    const prod = { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/rems', NATS_URL: 'nats://nats:4222', REDIS_URL: 'redis://redis', OPERATOR_API_KEY: 'a-long-operator-key-0123', MQTT_URL: 'mqtt://broker' };
    expect(() => loadRemsIngestConfig(prod)).toThrow(/REMS_JWT_ACCESS_SECRET[\s\S]*REMS_JWT_REFRESH_SECRET/);
    expect(() => loadRemsIngestConfig({ ...prod, REMS_JWT_ACCESS_SECRET: 'short', REMS_JWT_REFRESH_SECRET: 'x'.repeat(64) })).toThrow(ConfigError);
    expect(loadRemsIngestConfig({ ...prod, REMS_JWT_ACCESS_SECRET: 'a'.repeat(64), REMS_JWT_REFRESH_SECRET: 'b'.repeat(64) }).NODE_ENV).toBe('production');
  });

  it('refuses a topic root with wildcards or a trailing slash', () => {
    expect(() => loadRemsIngestConfig({ REMS_MQTT_TOPIC_ROOT: '/rems/#' })).toThrow(/REMS_MQTT_TOPIC_ROOT/);
    expect(() => loadRemsIngestConfig({ REMS_MQTT_TOPIC_ROOT: '/rems/' })).toThrow(/REMS_MQTT_TOPIC_ROOT/);
  });
});
