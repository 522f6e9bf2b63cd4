import { devDefault, env, loadConfig, platformEnvShape } from '@cpo/platform';
import { z } from 'zod';

const jwtSecret = z.string().min(64, 'must be at least 64 characters (HS512 wants ≥ 64 random bytes)');

/** Every environment variable rems-ingest reads, validated at boot. */
export function loadRemsIngestConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    (environment) =>
      z.object({
        ...platformEnvShape(environment, { service: 'rems-ingest', port: 3004, database: 'rems' }),
        MQTT_URL: devDefault(env.url(['mqtt', 'mqtts', 'ws', 'wss']), environment, 'mqtt://127.0.0.1:1883'),
        MQTT_USERNAME: z.string().optional(),
        MQTT_PASSWORD: z.string().optional(),
        MQTT_CLIENT_ID: z.string().optional(),
        /** HS512 secret of device access tokens (separate from the refresh secret). */
        REMS_JWT_ACCESS_SECRET: devDefault(jwtSecret, environment, 'dev-rems-access-secret-change-me-0123456789abcdef0123456789abcdef0123'),
        /** HS512 secret of device refresh tokens. */
        REMS_JWT_REFRESH_SECRET: devDefault(jwtSecret, environment, 'dev-rems-refresh-secret-change-me-0123456789abcdef0123456789abcdef012'),
        /** How long a rotated refresh token is still accepted, in case the device lost the answer. */
        REMS_REFRESH_GRACE_SECONDS: env.nonNegativeInt().max(3600).default(60),
        /** Root of the device MQTT topics: `{root}/mqtt3/meter`, `{root}/mqtt5/device/{tenant}/{serial}`, … */
        REMS_MQTT_TOPIC_ROOT: z
          .string()
          .regex(/^[^#+]*[^/#+]$/, 'a topic path without wildcards or trailing slash, e.g. /rems')
          .default('/rems'),
        /**
         * Run an in-process MQTT broker (aedes, MQTT 3.1.1 only, in memory) on this port for a single-box
         * demo without Mosquitto; MQTT_URL then points at it. Unset (the default): use the real broker.
         */
        REMS_MQTT_EMBEDDED_BROKER_PORT: z.coerce.number().int().min(0).max(65535).optional(),
        /** Subscribe to meter topics (off for an HTTP-only replica). */
        REMS_MQTT_INGEST_ENABLED: env.bool().default(true),
        /** MQTT 5 shared-subscription group, so replicas split the meter topics; empty: every replica gets every message. */
        REMS_MQTT_SHARED_GROUP: z.string().regex(/^[^/#+]*$/, 'no /, # or +').default('rems-ingest'),
        /** How long the broker keeps the meter subscriber's session (and its QoS 1 backlog) while it is away. */
        REMS_MQTT_SESSION_EXPIRY_SECONDS: env.positiveInt().max(7 * 86_400).default(3600),
        /** Meter-subscriber connections (in the shared group); each gets the broker's in-flight window. */
        REMS_MQTT_CONNECTIONS: env.positiveInt().max(32).default(4),
        /** Larger MQTT meter messages are quarantined as payload_too_large with only their head kept. */
        REMS_MQTT_MAX_PAYLOAD_BYTES: env.positiveInt().max(16 * 1024 * 1024).default(64 * 1024),
        /**
         * Unacknowledged meter messages per subscriber connection (also sent as its MQTT 5 Receive
         * Maximum): PUBACKs leave after the commit, so this bounds the pipeline; the broker holds the rest.
         */
        REMS_MQTT_MAX_IN_FLIGHT: env.positiveInt().max(65_535).default(1000),
        /** Identical (transceiverId, port, data) MQTT messages within this window are duplicates (QoS 1 redelivery). */
        REMS_MQTT_DEDUP_SECONDS: env.nonNegativeInt().max(86_400).default(120),
        /**
         * A second HTTP port for the METER-API role (meter upload and graph, plus probes); unset: none,
         * the main port serves both roles (it always does). 0 picks a free port (tests).
         */
        REMS_METER_HTTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
        /** Interface of the METER-API port; defaults to HTTP_HOST. */
        REMS_METER_HTTP_HOST: z.string().min(1).optional(),
        /** Frames written per ingest transaction at most. */
        REMS_INGEST_BATCH_SIZE: env.positiveInt().max(5000).default(500),
        /** How long a frame waits for companions before its batch is written, in ms. */
        REMS_INGEST_FLUSH_MS: env.nonNegativeInt().max(1000).default(10),
        /** How long an MQTT replica trusts its cached transceiver status (HTTP always reads the database). */
        REMS_DEVICE_CACHE_MS: env.nonNegativeInt().max(60_000).default(5000),
        /**
         * Raw frames older than this many days are deleted (hourly, in small batches); decoded
         * readings are kept. 0 keeps every raw frame. A year and a month by default: audits and
         * re-decoding look back a year, and the table grows by every frame received.
         */
        REMS_RAW_FRAME_RETENTION_DAYS: env.nonNegativeInt().max(36_500).default(400),
      }),
    source,
  );
}

export type RemsIngestConfig = ReturnType<typeof loadRemsIngestConfig>;
