import type { DynamicModule, INestApplication } from '@nestjs/common';
import { createApp, createRootLogger, type DatabaseModuleOptions, type PlatformConfig } from '@cpo/platform';
import type { DestinationStream, Logger } from 'pino';
import { testLogLevel } from './config.js';
import { databaseUrl, deleteStreams, dropDatabase, testServers, uniqueSuffix } from './infra.js';
import { createMigratedDatabase } from './template-db.js';

export interface TestApp<C extends PlatformConfig> {
  app: INestApplication;
  baseUrl: string;
  config: C;
  logger: Logger;
  /** The run's bus prefix and database name, for assertions and cleanup. */
  prefix: string;
  database: string;
  close(): Promise<void>;
}

export interface StartTestAppOptions<C extends PlatformConfig> {
  /** The app's own config loader, so the test validates the real schema. */
  loadConfig: (env: NodeJS.ProcessEnv) => C;
  createModule: (config: C, logger: Logger) => DynamicModule;
  database: string;
  env?: Record<string, string>;
  /**
   * Boot a second replica of an app already started: same database and bus prefix. Its close()
   * stops only this replica; the first one's close() removes the database and streams.
   */
  replicaOf?: TestApp<C>;
  /**
   * The app's migrations: its database is then created already migrated, as a copy of a template
   * (see createMigratedDatabase) instead of by the app. Leave it out to test the app's own
   * creation and migration of its database.
   */
  migrations?: DatabaseModuleOptions['migrations'];
  /** Where the app's log lines go (default stdout), e.g. captureLogs().destination; set LOG_LEVEL in env to write any. */
  logDestination?: DestinationStream;
}

/**
 * Boots an app in-process exactly as main.ts does, against the real servers,
 * with a unique database (created by the app itself, unless `migrations` are given) and bus prefix, on a
 * random port. close() shuts it down and removes the database and streams.
 */
export async function startTestApp<C extends PlatformConfig>(o: StartTestAppOptions<C>): Promise<TestApp<C>> {
  const suffix = uniqueSuffix();
  const database = o.replicaOf?.database ?? `${o.database}_t_${suffix}`;
  const prefix = o.replicaOf?.prefix ?? `t_${suffix}`;
  const config = o.loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: testLogLevel,
    DATABASE_URL: databaseUrl(database),
    NATS_URL: testServers.nats,
    NATS_SUBJECT_PREFIX: prefix,
    REDIS_URL: testServers.redis,
    MQTT_URL: testServers.mqtt,
    MQTT_CLIENT_ID: `test-${suffix}`,
    OPERATOR_API_KEY: 'test-operator-key-0123456789',
    ...o.env,
  });
  if (o.migrations && !o.replicaOf && !o.env?.['DATABASE_URL']) await createMigratedDatabase(database, o.database, o.migrations);
  const logger = createRootLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL }, o.logDestination);
  const app = await createApp(o.createModule(config, logger), { config, logger, description: 'test' });
  await app.init();
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    baseUrl: `http://127.0.0.1:${address.port}`,
    config,
    logger,
    prefix,
    database,
    async close() {
      await app.close();
      if (!o.replicaOf) await Promise.all([dropDatabase(database), deleteStreams(prefix)]);
    },
  };
}
