import { env, loadConfig, platformEnvShape } from '@cpo/platform';
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
        /**
         * A charger offline (or not reachable by the ocpp service) for less than this is counted at the
         * plan it acknowledged, which it keeps obeying, and at its full rating after; 0: at once.
         */
        PLANNER_OFFLINE_GRACE_S: z.coerce.number().int().min(0).max(600).default(90),
        /** Increases grow by at most this fraction per second, compounded (OpenEMS: 0.03). */
        /** The group must be infeasible this long without a break before the capacity provider is told (start-up, a lost status). */
        PLANNER_INCIDENT_CONFIRM_S: z.coerce.number().int().min(0).max(3600).default(30),
        /** Compliance window length in minutes (ELMO: 15, aligned to the hour); a demo may use 1. */
        PLANNER_COMPLIANCE_WINDOW_MIN: z.coerce.number().int().refine((m) => [1, 5, 15, 30, 60].includes(m), 'one of 1, 5, 15, 30, 60').default(15),
        /** How often the group registers and unconstrained demand are sampled. */
        PLANNER_METER_SAMPLE_MS: z.coerce.number().int().min(1000).max(600_000).default(60_000),
        /** A session whose connector sent no energy register for this long makes the live window status unknown (guide §3.6: 2 min). */
        PLANNER_METER_STALE_S: z.coerce.number().int().min(30).max(3600).default(120),
        /** When the daily extra-capacity decision runs (Asia/Taipei, HH:MM), after the 10:00 assignment. */
        PLANNER_ADJUST_AT: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM').default('13:30'),
        /** No request after this (Asia/Taipei, HH:MM): ELMO closes requests at 14:00. */
        PLANNER_ADJUST_CUTOFF: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM').default('13:50'),
        /** Quantile of past demand used as tomorrow's need (0.75–0.9 in the guide). */
        PLANNER_DEMAND_PERCENTILE: z.coerce.number().min(0.5).max(1).default(0.8),
        PLANNER_RAMP_PER_S: z.coerce.number().min(0.001).max(10).default(0.03),
        /** Cap a session whose EV draws far less than its limit near what it draws, and share the rest (planning/ev-demand.ts). */
        PLANNER_EV_RECLAIM: env.bool().default(true),
        /** How long an EV must stay well below its limit before it is capped. */
        PLANNER_EV_SETTLE_S: z.coerce.number().int().min(30).max(3600).default(120),
      }),
    source,
  );
}

export type PlannerConfig = ReturnType<typeof loadPlannerConfig>;
