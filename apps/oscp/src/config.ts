import { devDefault, env, loadConfig, platformEnvShape } from '@cpo/platform';
import { z } from 'zod';

const timeOfDay = () => z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (Asia/Taipei)');

/** Every environment variable oscp reads, validated at boot. */
export function loadOscpConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    (environment) =>
      z.object({
        ...platformEnvShape(environment, { service: 'oscp', port: 3001, database: 'oscp' }),
        /**
         * Our FP base URL announced in Register (per partner overridable); ELMO wants https, no port,
         * no `_`. Required in production: a wrong URL strands the registration.
         */
        OSCP_PUBLIC_BASE_URL: devDefault(z.url(), environment, 'https://localhost/oscp/fp/2.0'),
        /** Key (any string ≥ 16 chars) encrypting the stored provider tokens. */
        OSCP_TOKEN_ENCRYPTION_KEY: devDefault(z.string().min(16, 'must be at least 16 characters'), environment, 'dev-oscp-token-key-change-me'),
        /** Timeout of one outbound HTTP call to a capacity provider. */
        OSCP_HTTP_TIMEOUT_MS: env.positiveInt().default(10_000),
        /** Attempts of a retriable outbound message (network error, timeout, 5xx). */
        OSCP_HTTP_MAX_ATTEMPTS: env.positiveInt().max(20).default(5),
        /** First retry delay; doubles per attempt. */
        OSCP_HTTP_RETRY_BASE_MS: env.positiveInt().default(1000),
        /** How long to wait for the provider's Register after ours was accepted before declaring NEEDS_TOKEN. */
        OSCP_REGISTER_REPLY_TIMEOUT_MS: env.positiveInt().default(60_000),
        /** How often the outbound dispatcher looks for due messages (it is also woken on enqueue). */
        OSCP_DISPATCH_INTERVAL_MS: env.positiveInt().default(1000),
        /** How often the scheduler checks for a new minute (measurements) and missed forecasts. */
        OSCP_SCHEDULER_TICK_MS: env.positiveInt().default(5000),
        /** Most items in one `update_group_measurements` catch-up; older gaps are thinned out. */
        OSCP_MEASUREMENT_MAX_ITEMS: env.positiveInt().max(1440).default(60),
        /** ELMO accepts one adjust per day until this time. */
        OSCP_ADJUST_CUTOFF: timeOfDay().default('14:00'),
        /** Alert if no day-ahead assignment for tomorrow arrived by this time. */
        OSCP_ASSIGN_DEADLINE: timeOfDay().default('10:05'),
        /** Alert if an accepted adjust got no reply by this time. */
        OSCP_REPLY_DEADLINE: timeOfDay().default('16:10'),
        /** Volts per phase used to convert ampere limits to W. */
        OSCP_NOMINAL_VOLTAGE_V: env.positiveInt().default(230),
      }),
    source,
  );
}

export type OscpConfig = ReturnType<typeof loadOscpConfig>;
