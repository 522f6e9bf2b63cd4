/**
 * Where the integration tests find the real servers: the loopback services
 * `scripts/infra.sh up` ensures, unless overridden. The one place the testing
 * library reads the environment.
 */
export const testServers = {
  postgres: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  nats: process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
  redis: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  mqtt: process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883',
};

/** Log level of apps booted by tests (`TEST_LOG_LEVEL=info` to see their logs). */
export const testLogLevel = process.env.TEST_LOG_LEVEL ?? 'silent';
