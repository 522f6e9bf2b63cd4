import { loadConfig, platformEnvShape } from '@cpo/platform';
import { z } from 'zod';

/** Every environment variable the planner reads, validated at boot. */
export function loadPlannerConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    (environment) =>
      z.object({
        ...platformEnvShape(environment, { service: 'planner', port: 3005, database: 'planner' }),
        /** A YAML or JSON topology (groups, stations, connectors) loaded at boot, for demos and bulk set-up. */
        PLANNER_TOPOLOGY_FILE: z.string().min(1).optional(),
      }),
    source,
  );
}

export type PlannerConfig = ReturnType<typeof loadPlannerConfig>;
