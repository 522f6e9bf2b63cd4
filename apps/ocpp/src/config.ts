import { loadConfig, platformEnvShape } from '@cpo/platform';
import { z } from 'zod';

/** Every environment variable ocpp reads, validated at boot. */
export function loadOcppConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig((environment) => z.object({ ...platformEnvShape(environment, { service: 'ocpp', port: 3002, database: 'ocpp' }) }), source);
}

export type OcppConfig = ReturnType<typeof loadOcppConfig>;
