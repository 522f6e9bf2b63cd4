import { loadConfig, platformEnvShape } from '@cpo/platform';
import { z } from 'zod';

/** Every environment variable oscp reads, validated at boot. */
export function loadOscpConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig((environment) => z.object({ ...platformEnvShape(environment, { service: 'oscp', port: 3001, database: 'oscp' }) }), source);
}

export type OscpConfig = ReturnType<typeof loadOscpConfig>;
