import { DynamicModule, Inject, Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { DataSource, type DataSourceOptions, type EntitySchema, type MixedList } from 'typeorm';
import { APP_CONFIG, type PlatformConfig } from '../config/platform-config.js';
import { HealthRegistry } from '../health/health.registry.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { ensureDatabase } from './ensure-database.js';
import { migrate } from './migrations.js';
import { pgConnectionOptions } from './pg-connection.js';

// TypeORM's own option types use the broad Function type for classes.
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type ClassRef = Function;

export interface DatabaseModuleOptions {
  entities?: MixedList<ClassRef | string | EntitySchema>;
  /** Migration classes, listed explicitly: globs do not survive bundling or ESM. */
  migrations: ClassRef[];
}

/**
 * Pool options. Without `DATABASE_STATEMENT_TIMEOUT_MS` (migrations, test templates) statements
 * run as long as they take; with it, a statement the server runs longer is cancelled and one the
 * server never answers (silent PostgreSQL, partition without RST) fails in the driver shortly
 * after, instead of holding its caller until TCP gives up, minutes later; that connection is then
 * closed, not reused (see pgConnectionOptions).
 */
export function dataSourceOptions(
  config: Pick<PlatformConfig, 'DATABASE_URL' | 'SERVICE_NAME' | 'DATABASE_POOL_SIZE' | 'DATABASE_POOL_TIMEOUT_MS'> &
    Partial<Pick<PlatformConfig, 'DATABASE_STATEMENT_TIMEOUT_MS'>>,
  options: DatabaseModuleOptions,
): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.DATABASE_URL,
    applicationName: config.SERVICE_NAME,
    uuidExtension: 'pgcrypto',
    entities: options.entities ?? [],
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    // TypeORM hands `extra` to pg.Pool as is: max, connectionTimeoutMillis (also bounds the wait
    // for a free connection), keepAlive, the timeouts and the Client that closes after a timeout.
    extra: { max: config.DATABASE_POOL_SIZE, ...pgConnectionOptions(config) },
  };
}

/**
 * The service's own PostgreSQL database through TypeORM: created if missing
 * (development default), migrated on boot under a lock before any consumer or
 * HTTP route runs, and checked by readiness.
 */
@Module({})
export class DatabaseModule implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly health: HealthRegistry,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [APP_CONFIG, ROOT_LOGGER],
          useFactory: async (config: PlatformConfig, logger: Logger) => {
            if (config.DATABASE_CREATE_IF_MISSING) await ensureDatabase(config.DATABASE_URL, logger, config.DATABASE_POOL_TIMEOUT_MS);
            return dataSourceOptions(config, options);
          },
        }),
      ],
      exports: [TypeOrmModule],
    };
  }

  async onModuleInit(): Promise<void> {
    await migrate(this.dataSource, this.logger.child({ component: 'migrations' }));
    this.health.register('database', async () => {
      await this.dataSource.query('SELECT 1');
    });
  }
}
