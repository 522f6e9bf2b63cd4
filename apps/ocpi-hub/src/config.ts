import { devDefault, env, loadConfig, platformEnvShape } from '@cpo/platform';
import { z } from 'zod';

/** Every environment variable ocpi-hub reads, validated at boot. */
export function loadOcpiHubConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    (environment) =>
      z.object({
        ...platformEnvShape(environment, { service: 'ocpi-hub', port: 3003, database: 'ocpi' }),
        /**
         * Public base URL partners reach the hub at (versions URLs, Link headers, rewritten
         * response_url). Unset in development: taken from each request's Host header.
         */
        OCPI_PUBLIC_URL: environment === 'production' ? env.url(['http', 'https']) : env.url(['http', 'https']).optional(),
        OCPI_HUB_COUNTRY_CODE: z.string().regex(/^[A-Z]{2}$/).default('DE'),
        OCPI_HUB_PARTY_ID: z.string().regex(/^[A-Z0-9]{3}$/).default('HUB'),
        OCPI_HUB_NAME: z.string().min(1).max(100).default('CPO platform OCPI hub'),
        /** Key material for the HMAC index and the at-rest encryption of credentials tokens. */
        OCPI_TOKEN_SECRET: devDefault(z.string().min(32, 'must be at least 32 characters'), environment, 'dev-ocpi-token-secret-change-me-0123456789'),
        /** How long a rotated (PUT) token stays valid for calls already in flight. */
        OCPI_TOKEN_GRACE_MS: env.nonNegativeInt().default(600_000),
        /** Timeout of one outbound push or registration call. */
        OCPI_PUSH_TIMEOUT_MS: env.positiveInt().default(10_000),
        /** Retries of an outbound call that failed to connect (never after the request was sent). */
        OCPI_OUTBOUND_RETRIES: env.nonNegativeInt().max(5).default(2),
        /** Default deadline of real-time authorisation (per agreement overridable). */
        OCPI_AUTH_TIMEOUT_MS: env.positiveInt().max(30_000).default(3_000),
        /** How long the hub waits for a CPO's synchronous command answer. */
        OCPI_COMMAND_TIMEOUT_MS: env.positiveInt().max(60_000).default(10_000),
        /** The platform's own chargers appear in the hub as this CPO party. */
        OCPI_OWN_CPO_COUNTRY_CODE: z.string().regex(/^[A-Z]{2}$/).default('TW'),
        OCPI_OWN_CPO_PARTY_ID: z.string().regex(/^[A-Z0-9]{3}$/).default('CPO'),
        /** ISO 4217 currency of the own chargers' Sessions. */
        OCPI_OWN_CURRENCY: z.string().regex(/^[A-Z]{3}$/).default('TWD'),
        /** A partner silent this long gets a still-alive check (GET versions); failing it means OFFLINE. */
        OCPI_STILL_ALIVE_AFTER_MS: env.positiveInt().default(300_000),
        /** How often the still-alive job runs (one replica at a time, by a Redis lock). */
        OCPI_STILL_ALIVE_INTERVAL_MS: env.positiveInt().default(60_000),
        /** Hour (UTC) of the daily pull of partners' Sender data: delta, or full on OCPI_SYNC_FULL_WEEKDAY. */
        OCPI_SYNC_HOUR_UTC: env.nonNegativeInt().max(23).default(1),
        /** Day of the weekly full pull (0 = Sunday … 6 = Saturday). */
        OCPI_SYNC_FULL_WEEKDAY: env.nonNegativeInt().max(6).default(6),
        /** Page size asked for when pulling. */
        OCPI_SYNC_LIMIT: env.positiveInt().max(10_000).default(1000),
        /** Parallel outbound pushes per broadcast. */
        OCPI_FANOUT_CONCURRENCY: env.positiveInt().max(500).default(32),
        /** Memory for Sender GET pages kept per reader and query (0 = off: every GET reads PostgreSQL). */
        OCPI_PAGE_CACHE_MB: env.nonNegativeInt().max(4096).default(64),
      }),
    source,
  );
}

export type OcpiHubConfig = ReturnType<typeof loadOcpiHubConfig>;

/** DI token of the hub's own configuration (the same object as APP_CONFIG, typed). */
export const HUB_CONFIG = Symbol('HUB_CONFIG');
