/**
 * Pure rules around the live compliance view: the adaptive safety margin (guide §4) and how stale
 * a group's metering is (guide §3.6).
 */

const DAY_MS = 86_400_000;

/** A breached window raises the margin by this much (two percentage points, guide §4). */
export const BREACH_MARGIN_STEP = 0.02;
/** The raised margin holds this long after the breached window ended... */
export const BREACH_HOLD_MS = DAY_MS;
/** ...then falls back to the configured margin linearly over this long. */
export const BREACH_DECAY_MS = DAY_MS;
/** Never plan with more than half of the limit held back, whatever the configured margin. */
export const MAX_MARGIN = 0.5;

/**
 * The margin to keep below the limit now: the group's configured margin, plus
 * {@link BREACH_MARGIN_STEP} for 24 h after the last breached window, decaying over the next 24 h.
 * Only the last breach counts: repeated breaches keep the margin raised, they do not stack, so
 * one bad day cannot shut a site down.
 */
export function adaptiveMargin(baseMargin: number, lastBreachEndMs: number | undefined, nowMs: number): number {
  if (lastBreachEndMs === undefined) return baseMargin;
  // A breach "in the future" can only be clock skew between replicas: treat it as just now.
  const age = Math.max(0, nowMs - lastBreachEndMs);
  const factor = age <= BREACH_HOLD_MS ? 1 : Math.max(0, 1 - (age - BREACH_HOLD_MS) / BREACH_DECAY_MS);
  return Math.min(MAX_MARGIN, baseMargin + BREACH_MARGIN_STEP * factor);
}

/** What the meter-age rule needs of one connector. */
export interface ConnectorMeter {
  readonly sessionActive: boolean;
  /** When its energy register was last reported. */
  readonly energyAtMs?: number;
  /** When its session started: a session without any reading yet is as old as that. */
  readonly sessionStartedAtMs?: number;
}

/**
 * The age of the group's stalest metering: the oldest last-energy-reading among connectors with a
 * session (a session with no reading yet counts from its start). Connectors without a session
 * draw nothing, so their silence does not matter; undefined when no session runs.
 */
export function meterAgeMs(connectors: readonly ConnectorMeter[], nowMs: number): number | undefined {
  let oldest: number | undefined;
  for (const c of connectors) {
    if (!c.sessionActive) continue;
    const last = Math.max(c.energyAtMs ?? -Infinity, c.sessionStartedAtMs ?? -Infinity);
    // A session with neither timestamp is unknown: treat it as infinitely stale rather than fresh.
    const age = Number.isFinite(last) ? Math.max(0, nowMs - last) : Infinity;
    oldest = oldest === undefined ? age : Math.max(oldest, age);
  }
  return oldest;
}
