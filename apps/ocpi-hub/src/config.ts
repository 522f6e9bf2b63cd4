import { loadConfig, platformEnvShape } from '@cpo/platform';
import { z } from 'zod';

/** Every environment variable ocpi-hub reads, validated at boot. */
export function loadOcpiHubConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig((environment) => z.object({ ...platformEnvShape(environment, { service: 'ocpi-hub', port: 3003, database: 'ocpi' }) }), source);
}

export type OcpiHubConfig = ReturnType<typeof loadOcpiHubConfig>;
