import { env, loadConfig, platformEnvShape } from '@cpo/platform';
import { z } from 'zod';

/**
 * Every environment variable the ELMO testbed reads. It keeps its state in memory: the platform's
 * database, NATS and Redis settings are part of the shared shape but unused.
 */
export function loadTestbedConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    (environment) =>
      z.object({
        ...platformEnvShape(environment, { service: 'elmo-testbed', port: 3010, database: 'elmo_testbed' }),
        /** The initial token an FP presents in its first Register (the public doc's style). */
        ELMO_TESTBED_TOKEN: z.string().min(1).max(767).default('ELMO-TESTBED-TOKEN'),
        /** `testbed`: store the Register, send nothing until triggered; `elmo`: reply and handshake by itself. */
        ELMO_TESTBED_REGISTER_MODE: z.enum(['testbed', 'elmo']).default('testbed'),
        /** The `base_url` announced in our Register (ELMO sends a relative one). */
        ELMO_TESTBED_BASE_URL: z.string().min(1).default('/oscp/2.0'),
        /** Accept `http` and ports in URLs (callback and FP base URL), for local runs. */
        ELMO_TESTBED_ALLOW_HTTP: env.bool().default(true),
        /** Delay between the Register reply and the Handshake in `elmo` mode. */
        ELMO_TESTBED_HANDSHAKE_DELAY_MS: env.nonNegativeInt().default(5000),
        /** Timeout of every call to the FP; ELMO waits 20 s and never retries. */
        ELMO_TESTBED_CALL_TIMEOUT_MS: env.positiveInt().default(20_000),
        /** Replay ELMO's daily cron on the simulated clock: 00:00 create, 10:00 assign, 14:05 close, 16:00 auto-reply. */
        ELMO_TESTBED_AUTO: env.bool().default(false),
        /** Hourly kW of the automatic 10:00 assignment. */
        ELMO_TESTBED_AUTO_ASSIGN_KW: z.coerce.number().nonnegative().default(100),
        /** How often the automatic mode looks at the clock. */
        ELMO_TESTBED_AUTO_TICK_MS: env.positiveInt().default(1000),
        /** Group ids (station uids) known before any trigger names them, comma-separated. */
        ELMO_TESTBED_GROUP_IDS: z
          .string()
          .default('')
          .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)),
      }),
    source,
  );
}

export type TestbedConfig = ReturnType<typeof loadTestbedConfig>;
