import { z } from 'zod';
import { PERSONAL_DATA_KEY_MIN_LENGTH } from '../logging/personal-data.js';
import { devDefault, env, type Environment } from './load-config.js';

/** Per-app defaults for the variables every service reads. */
export interface PlatformDefaults {
  /** Service name, used in logs, metrics, the NATS connection name and bus headers. */
  service: string;
  port: number;
  /** Database name on the development server. */
  database: string;
}

/**
 * The variables every service shares: HTTP, logging, PostgreSQL, NATS, Redis,
 * the operator API key and shutdown. Apps extend this shape with their own.
 */
export function platformEnvShape(environment: Environment, d: PlatformDefaults) {
  return {
    SERVICE_NAME: z.string().regex(/^[a-z][a-z0-9-]*$/).default(d.service),
    /** Shown in OpenAPI and /api/v1/system; set by the image build or npm (npm_package_version). */
    SERVICE_VERSION: z.string().max(64).default(process.env.npm_package_version ?? '0.0.0-dev'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /**
     * Keys the refs logged in place of personal data (idTags, token uids: personalDataRef) with
     * HMAC-SHA256, so only who holds it can match a ref to a card. Unset (also the development
     * default): the unkeyed SHA-256 ref. A secret; changing it changes every ref.
     */
    LOG_PERSONAL_DATA_KEY: z
      .string()
      .min(PERSONAL_DATA_KEY_MIN_LENGTH, `must be at least ${PERSONAL_DATA_KEY_MIN_LENGTH} characters`)
      // A newline (a Secret made with --from-file) would key every ref with a byte the operator's one-liner lacks.
      .refine((v) => v === v.trim(), 'must not begin or end with whitespace')
      .optional(),
    HTTP_HOST: z.string().default('0.0.0.0'),
    HTTP_PORT: env.port().default(d.port),
    /** PEM files; when both are set the port serves HTTPS (and WSS), e.g. OCPP security profile 2. */
    HTTP_TLS_CERT_FILE: z.string().min(1).optional(),
    HTTP_TLS_KEY_FILE: z.string().min(1).optional(),
    DATABASE_URL: devDefault(env.url(['postgres', 'postgresql']), environment, `postgres://postgres@127.0.0.1:5432/${d.database}`),
    DATABASE_POOL_SIZE: env.positiveInt().max(200).default(10),
    /** How long a query waits for a free pool connection before failing (a boot storm queues, it does not fail). */
    DATABASE_POOL_TIMEOUT_MS: env.positiveInt().max(120_000).default(20_000),
    DATABASE_CREATE_IF_MISSING: env.bool().default(environment !== 'production'),
    /**
     * Server-side statement_timeout of every pooled connection; the driver gives up 5 s later if the
     * server never answers (silent PostgreSQL, partition). Generous: reports and batch jobs run under
     * it; migrations run on their own connections without it.
     */
    DATABASE_STATEMENT_TIMEOUT_MS: env.positiveInt().min(1000).max(3_600_000).default(60_000),
    NATS_URL: devDefault(env.urlList(['nats', 'tls']), environment, 'nats://127.0.0.1:4222'),
    NATS_USER: z.string().optional(),
    NATS_PASSWORD: z.string().optional(),
    NATS_SUBJECT_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only (it prefixes subjects and stream names)')
      .optional(),
    NATS_STREAM_REPLICAS: env.positiveInt().max(5).default(1),
    REDIS_URL: devDefault(env.url(['redis', 'rediss']), environment, 'redis://127.0.0.1:6379'),
    /** A Redis command unanswered this long fails, and the silent connection is replaced. */
    REDIS_COMMAND_TIMEOUT_MS: env.positiveInt().max(60_000).default(3000),
    OPERATOR_API_KEY: devDefault(z.string().min(16, 'must be at least 16 characters'), environment, 'dev-operator-key-change-me'),
    // Timer settings are bounded: Node runs a delay above 2^31-1 ms after 1 ms (an oversized
    // SHUTDOWN_TIMEOUT_MS would force the exit right after SIGTERM, with no drain).
    SHUTDOWN_TIMEOUT_MS: env.positiveInt().max(600_000).default(10_000),
    OUTBOX_BATCH_SIZE: env.positiveInt().max(5000).default(500),
    OUTBOX_POLL_INTERVAL_MS: env.positiveInt().max(60_000).default(1000),
    // 0: a row is deleted as soon as its stream acknowledged it (the stream keeps the event). Rows kept
    // for audit cost their producer a second write per event (the non-HOT UPDATE marking them).
    OUTBOX_RETENTION_HOURS: env.nonNegativeInt().default(72),
    CONSUMER_MAX_DELIVER: env.positiveInt().max(100).default(5),
    CONSUMER_ACK_WAIT_MS: env.positiveInt().max(600_000).default(30_000),
  };
}

/** The subset of the parsed configuration the platform and messaging libraries read. */
export interface PlatformConfig {
  NODE_ENV: Environment;
  SERVICE_NAME: string;
  SERVICE_VERSION: string;
  LOG_LEVEL: string;
  /** Validated key of personalDataRef; given to it once by PlatformModule.forRoot. */
  LOG_PERSONAL_DATA_KEY?: string;
  HTTP_HOST: string;
  HTTP_PORT: number;
  HTTP_TLS_CERT_FILE?: string;
  HTTP_TLS_KEY_FILE?: string;
  DATABASE_URL: string;
  DATABASE_POOL_SIZE: number;
  DATABASE_POOL_TIMEOUT_MS: number;
  DATABASE_CREATE_IF_MISSING: boolean;
  DATABASE_STATEMENT_TIMEOUT_MS: number;
  NATS_URL: string[];
  NATS_USER?: string;
  NATS_PASSWORD?: string;
  NATS_SUBJECT_PREFIX?: string;
  NATS_STREAM_REPLICAS: number;
  REDIS_URL: string;
  REDIS_COMMAND_TIMEOUT_MS: number;
  OPERATOR_API_KEY: string;
  SHUTDOWN_TIMEOUT_MS: number;
  OUTBOX_BATCH_SIZE: number;
  OUTBOX_POLL_INTERVAL_MS: number;
  OUTBOX_RETENTION_HOURS: number;
  CONSUMER_MAX_DELIVER: number;
  CONSUMER_ACK_WAIT_MS: number;
}

/** DI token for the app's whole parsed configuration object. */
export const APP_CONFIG = Symbol('APP_CONFIG');
