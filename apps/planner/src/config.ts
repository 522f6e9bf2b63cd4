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
        /** Re-plans triggered by events within this window are merged into one (emergencies skip it). */
        PLANNER_DEBOUNCE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
        /** Every group is re-planned at least this often (ramps, hour boundaries, silent chargers). */
        PLANNER_TICK_MS: z.coerce.number().int().min(500).max(600_000).default(10_000),
        /** A published plan without an answer after this long makes its charger uncontrolled (OCPP timeout 30 s, one retry). */
        PLANNER_ACK_TIMEOUT_S: z.coerce.number().int().min(5).max(3600).default(90),
        /** A charger that refused or ignored profiles is tried again after this long. */
        PLANNER_UNCONTROLLED_RETRY_S: z.coerce.number().int().min(10).max(86_400).default(600),
        /** Increases grow by at most this fraction per second, compounded (OpenEMS: 0.03). */
        /** The group must be infeasible this long without a break before the capacity provider is told (start-up, a lost status). */
        PLANNER_INCIDENT_CONFIRM_S: z.coerce.number().int().min(0).max(3600).default(30),
        PLANNER_RAMP_PER_S: z.coerce.number().min(0.001).max(10).default(0.03),
      }),
    source,
  );
}

export type PlannerConfig = ReturnType<typeof loadPlannerConfig>;
