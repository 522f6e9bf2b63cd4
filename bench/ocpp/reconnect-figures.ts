/** Part 1a's pure pieces: a charger's retry delay, what a refused upgrade was, and the comparison of the two storms. */

/** Real chargers retry a refused or failed connection after a few seconds, spread so they do not return in step. */
export const RETRY_MIN_MS = 1_000;
export const RETRY_MAX_MS = 5_000;

/** The delay before a charger's next attempt, for `random` in [0, 1) (Math.random()). */
export function retryDelayMs(random: number): number {
  return RETRY_MIN_MS + Math.floor(Math.min(Math.max(random, 0), 1) * (RETRY_MAX_MS - RETRY_MIN_MS));
}

/** The HTTP status of a refused upgrade (SimCharger rejects with `HTTP <status>`), or `error` for anything else (reset, timeout). */
export function refusalOf(err: unknown): string {
  return /^HTTP (\d{3})$/.exec((err as Error | undefined)?.message ?? '')?.[1] ?? 'error';
}

/** One reconnect storm against a fresh replica. */
export interface Storm {
  /** From the first attempt until the last charger was connected again (or gave up). */
  seconds: number;
  connected: number;
  /** scrypt runs the replica started during the storm. */
  scryptRuns: number;
  /** CPU seconds the replica used during the storm. */
  cpuS: number;
}

/** How much longer and costlier the storm without shared memory was: ratios without / with (undefined when not comparable). */
export function compareStorms(without: Storm, withShared: Storm): { time?: number; cpu?: number } {
  const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? Math.round((a / b) * 10) / 10 : undefined);
  // Storms that did not reconnect the same fleet measure different things.
  if (without.connected !== withShared.connected) return {};
  return { time: ratio(without.seconds, withShared.seconds), cpu: ratio(without.cpuS, withShared.cpuS) };
}
