import { DynamicModule, Inject, Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { DataSource, type DataSourceOptions, type EntitySchema, type MixedList } from 'typeorm';
import { APP_CONFIG, type PlatformConfig } from '../config/platform-config.js';
import { HealthRegistry } from '../health/health.registry.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { ensureDatabase } from './ensure-database.js';
import { runMigrationsLocked } from './migrations.js';

// TypeORM's own option types use the broad Function type for classes.
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type ClassRef = Function;

export interface DatabaseModuleOptions {
  entities?: MixedList<ClassRef | string | EntitySchema>;
  /** Migration classes, listed explicitly: globs do not survive bundling or ESM. */
  migrations: ClassRef[];
}

export function dataSourceOptions(
  config: Pick<PlatformConfig, 'DATABASE_URL' | 'SERVICE_NAME' | 'DATABASE_POOL_SIZE' | 'DATABASE_POOL_TIMEOUT_MS'>,
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
    extra: { max: config.DATABASE_POOL_SIZE, connectionTimeoutMillis: config.DATABASE_POOL_TIMEOUT_MS },
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
            if (config.DATABASE_CREATE_IF_MISSING) await ensureDatabase(config.DATABASE_URL, logger);
            return dataSourceOptions(config, options);
          },
        }),
      ],
      exports: [TypeOrmModule],
    };
  }

  async onModuleInit(): Promise<void> {
    await runMigrationsLocked(this.dataSource, this.logger.child({ component: 'migrations' }));
    this.health.register('database', async () => {
      await this.dataSource.query('SELECT 1');
    });
  }
}
