import { hostname } from 'node:os';
import { devDefault, env, loadConfig, platformEnvShape } from '@cpo/platform';
import { z } from 'zod';
import { proxyRange } from './connection/client-address.js';

/**
 * What happens to a charger whose identity is not registered:
 * - `reject`: HTTP 404 on the upgrade (the OCPP-J answer for an unknown identity);
 * - `pending`: the socket is accepted and BootNotification answered `Pending` until an operator accepts it;
 * - `auto-register`: the station is created and accepted (development and demos).
 */
export const UnknownStationPolicy = z.enum(['reject', 'pending', 'auto-register']);
export type UnknownStationPolicy = z.infer<typeof UnknownStationPolicy>;

/** The WebSocket subprotocols this central system implements (OCPP 2.0.1 joins when it exists). */
export const IMPLEMENTED_SUBPROTOCOLS = ['ocpp1.6'] as const;

/** Development and test only: fixed, so local replicas share verified keys as production ones do. */
const DEV_AUTH_MEMORY_SECRET = 'dev-ocpp-auth-memory-secret-change-me';

/** Every environment variable ocpp reads, validated at boot. */
export function loadOcppConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    (environment) =>
      z.object({
        ...platformEnvShape(environment, { service: 'ocpp', port: 3002, database: 'ocpp' }),
        /** Path prefix of the charger endpoint: chargers connect to `{prefix}/{chargePointId}`. */
        OCPP_PATH_PREFIX: z
          .string()
          .regex(/^\/[A-Za-z0-9/_-]*[A-Za-z0-9_-]$/, 'must start with / and not end with /')
          .default('/ocpp'),
        /** Subprotocols offered, in server preference order (only ocpp1.6 is implemented today). */
        OCPP_SUBPROTOCOLS: z
          .string()
          .default('ocpp1.6')
          .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
          .pipe(z.array(z.enum(IMPLEMENTED_SUBPROTOCOLS)).min(1)),
        OCPP_UNKNOWN_STATION_POLICY: UnknownStationPolicy.default(environment === 'production' ? 'reject' : 'auto-register'),
        /**
         * Under `pending`: most stations registered by their own connection and not yet accepted or
         * set by an operator; a new unknown identity beyond it is refused like `reject` (HTTP 404), so
         * identities made up by a script cannot grow the quarantine without bound. 0 = no bound.
         * `auto-register` (development) has none: it runs every identity, and would refuse real ones.
         */
        OCPP_PENDING_STATIONS_MAX: env.nonNegativeInt().max(1_000_000).default(1_000),
        /** Admit identities outside the OCPP 2.0.1 identifier set (e.g. spaces) for legacy fleets; `:` never. */
        OCPP_LEGACY_IDENTITIES: env.bool().default(false),
        /** Timeout of one CSMS → charger CALL. */
        OCPP_CALL_TIMEOUT_MS: env.positiveInt().max(300_000).default(30_000),
        /** Commands queued behind the one in flight, per station; more are refused with QueueFull. */
        OCPP_CALL_QUEUE_LIMIT: env.positiveInt().max(10_000).default(100),
        /** Heartbeat interval answered in BootNotification (seconds). */
        OCPP_HEARTBEAT_INTERVAL_S: env.positiveInt().max(86_400).default(300),
        /** Retry interval answered with Pending/Rejected (seconds). */
        OCPP_BOOT_RETRY_INTERVAL_S: env.positiveInt().max(86_400).default(60),
        /**
         * WebSocket ping period (±25 % jitter); two missed pongs close the socket. 0 = no pings.
         * Bounded: Node runs a longer timer after 1 ms, which terminated every charger at once.
         */
        OCPP_PING_INTERVAL_MS: env.nonNegativeInt().max(3_600_000).default(30_000),
        /** Malformed frames tolerated per station per minute before its socket is closed. */
        OCPP_MAX_BAD_FRAMES_PER_MINUTE: env.positiveInt().default(100),
        /**
         * How long Authorize waits for ocpi-hub to decide an unknown token. It must outlast the hub's
         * own real-time deadline (OCPI_AUTH_TIMEOUT_MS, 3 s by default, or an agreement's rtaTimeoutMs)
         * plus the hub's work around it: the hub answers a known token's on-timeout policy (ALLOW or
         * DENY) only once that deadline has passed, and an equal wait here gave up first, every time,
         * answering our own default instead of the agreement's.
         */
        OCPP_REMOTE_AUTHORIZE_TIMEOUT_MS: env.positiveInt().max(30_000).default(4_000),
        /**
         * How long a charger's DataTransfer waits for its vendor's plug-in (`ocppDataTransferSubject`);
         * with no plug-in subscribed the answer is UnknownVendorId at once, without waiting.
         */
        OCPP_DATA_TRANSFER_TIMEOUT_MS: env.positiveInt().max(30_000).default(3_000),
        /** Answer for an unknown token when nobody decides in time (or nobody answers). */
        OCPP_UNKNOWN_TOKEN_DEFAULT: z.enum(['Invalid', 'Accepted']).default('Invalid'),
        /**
         * SignCertificate (security extension): `reject` answers Rejected (no CA behind this central
         * system); `manual` answers Accepted and keeps the CSR for an operator, who signs it with the
         * CA and sends CertificateSigned as a command; `ca` checks the CSR and signs it with the
         * charger sub-CA below, then sends CertificateSigned itself. The CSR is stored either way.
         */
        OCPP_SIGN_CERTIFICATE: z.enum(['reject', 'manual', 'ca']).default('reject'),
        /** The charger sub-CA's certificate (PEM file), for OCPP_SIGN_CERTIFICATE=ca. */
        OCPP_CA_CERT_FILE: z.string().min(1).optional(),
        /** Its private key (PEM file, PKCS#8 or traditional; RSA or EC P-256/P-384), for OCPP_SIGN_CERTIFICATE=ca. */
        OCPP_CA_KEY_FILE: z.string().min(1).optional(),
        /** Validity of a charger certificate the CA issues (days; never beyond the CA's own). */
        OCPP_CA_CERT_VALIDITY_DAYS: env.positiveInt().max(3650).default(365),
        /** The CPO's name: when set, a CSR's O must equal it (whitepaper: O = the CPO name). */
        OCPP_CPO_NAME: z.string().min(1).max(64).optional(),
        /**
         * Keys the replicas' shared memory of verified station keys in Redis (HMAC-SHA256 of stored
         * hash and password), so a charger reaching a replica that has not seen it costs no scrypt
         * run. Unset in production: not shared (logged at start); each replica checks by itself.
         */
        OCPP_AUTH_MEMORY_SECRET: devDefault(
          z
            .string()
            .min(32, 'must be at least 32 characters')
            // The development value is in this repository: with it, whoever reads Redis can test guesses.
            .refine((v) => environment !== 'production' || v !== DEV_AUTH_MEMORY_SECRET, 'is the published development value; set a secret of your own')
            .optional(),
          environment,
          DEV_AUTH_MEMORY_SECRET,
        ),
        /** Trust `X-Forwarded-Proto: https` from a TLS-terminating proxy for profile-2 stations. */
        OCPP_TRUST_PROXY_TLS: env.bool().default(false),
        /**
         * Proxies whose `X-Forwarded-For` is believed (comma-separated IPv4/IPv6 addresses or CIDRs):
         * a charger's address is the socket's peer unless that is one of them, then the rightmost
         * hop that is not (client-address.ts). Password checks are told apart by that address, so
         * guesses from one source cannot keep a station's charger out. Empty: the header is ignored
         * (anyone could write it); behind a balancer or Ingress that hides the chargers' addresses,
         * every charger then shares the proxy's.
         */
        OCPP_TRUSTED_PROXIES: z
          .string()
          .default('')
          .transform((v, ctx) =>
            v
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
              .map((entry) => {
                const range = proxyRange(entry);
                if (range === undefined) ctx.addIssue({ code: 'custom', message: `"${entry}" is not an IP address or CIDR (e.g. 10.0.0.0/8, fd00::/8)` });
                return range ?? entry;
              }),
          ),
        /**
         * Identifies this replica in presence records and events (default: host name + pid). On
         * Kubernetes that is the pod name and pid 1, the same after a container restart: the
         * restarted replica cleans up after its previous run itself (told apart by a per-process
         * incarnation in the presence records, not in this id, which stays a bounded log field).
         */
        OCPP_REPLICA_ID: z.string().min(1).max(100).default(`${hostname()}-${process.pid}`),
        /** Presence records expire this long after the last sign of life (refreshed every sixth of it: bounded like a timer). */
        OCPP_PRESENCE_TTL_S: env.positiveInt().max(86_400).default(180),
        /**
         * A replica that has not beaten in Redis for this long is declared lost by its peers, which
         * publish its stations' disconnection (see ReplicaLiveness). It beats every quarter of this.
         */
        OCPP_REPLICA_LOST_S: env.positiveInt().min(2).max(600).default(20),
        /** A remote start accepted by the charger must lead to a StartTransaction within this time. */
        OCPP_REMOTE_START_TIMEOUT_S: env.positiveInt().max(3600).default(120),
        /** Phase-neutral voltage for A ↔ W when a charger only takes the other unit (Taiwan LV: 220). */
        OCPP_NOMINAL_VOLTAGE_V: env.positiveInt().min(100).max(480).default(230),
        /** Period of the re-delivery of charging profiles that got no answer (ms; a timer, so bounded). */
        OCPP_PROFILE_RETRY_MS: env.positiveInt().max(86_400_000).default(30_000),
        /**
         * First wait before a GetCompositeSchedule check of an accepted profile that got no usable
         * answer is asked again (the emulated station cap where sessions run), doubled at each of its
         * few attempts (`check-retry.ts`: 1, 2, 4, 8 min by default). 0 = never asked again. Bounded:
         * the last wait (8×) must stay a timer Node runs.
         */
        OCPP_PROFILE_CHECK_RETRY_MS: env.nonNegativeInt().max(3_600_000).default(60_000),
        /**
         * Lease on planned connector limits (guide §3.3), for chargers with a stack level above 0: the
         * profile at level 1 lasts this long and is renewed every third of it; a level-0 profile at
         * OCPP_PROFILE_LEASE_FALLBACK_A lies under it, so a charger we stop reaching falls back by
         * itself. 0 = no lease (profiles last until replaced). At least 60 s otherwise.
         */
        OCPP_PROFILE_LEASE_S: env
          .nonNegativeInt()
          .max(86_400)
          .refine((s) => s === 0 || s >= 60, 'must be 0 (off) or at least 60')
          .default(900),
        /** The fallback under a lease, per connector, in A (0 pauses charging; 6 is the pilot minimum). */
        OCPP_PROFILE_LEASE_FALLBACK_A: env.nonNegativeInt().max(1000).default(6),
        /**
         * Meter readings older than this many days are deleted (an hourly job), except those of a
         * transaction still running. 400: billing disputes and yearly reports need a year and more.
         * 0 keeps every reading.
         */
        OCPP_METER_RETENTION_DAYS: env.nonNegativeInt().max(36_500).default(400),
        /**
         * Charger diagnostics older than this many days are deleted by the same job: kept messages
         * (station_messages), rejected frames, settled remote starts. Kept messages a running
         * transaction's retry matching still reads stay. 0 keeps them all.
         */
        OCPP_MESSAGE_RETENTION_DAYS: env.nonNegativeInt().max(36_500).default(180),
      }).superRefine((c, ctx) => {
        if (c.OCPP_SIGN_CERTIFICATE !== 'ca') return;
        for (const key of ['OCPP_CA_CERT_FILE', 'OCPP_CA_KEY_FILE'] as const) {
          if (!c[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'required when OCPP_SIGN_CERTIFICATE=ca' });
        }
      }),
    source,
  );
}

export type OcppConfig = ReturnType<typeof loadOcppConfig>;
