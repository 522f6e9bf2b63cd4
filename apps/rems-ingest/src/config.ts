import { devDefault, env, loadConfig, platformEnvShape } from '@cpo/platform';
import { z } from 'zod';

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
      }),
    source,
  );
}

export type RemsIngestConfig = ReturnType<typeof loadRemsIngestConfig>;
