/**
 * The OCPP benchmark's ratio ours / bare, from flat-out rounds run in turns (ours, bare, ours,
 * bare, …) so that both servers meet the same stretches of this shared machine. Each round's ratio
 * compares two neighbouring phases; a round counts only when it is comparable (below), and the
 * figure is the median of the rounds that count: one lucky or unlucky stretch cannot make it.
 */

/** What the ratio needs of one flat-out phase. */
export interface FlatOut {
  callsPerS: number;
  /** Share of a core the server process used. */
  serverCpu: number;
  /** The reference workload's CPU time during the phase (ms): the machine's speed. */
  probeCpuMs: number;
  /** Events not yet on JetStream when the phase ended (ours only). */
  eventsBehind?: number;
}

export interface RatioRules {
  /** Share of a core below which the bare server was held back by other load. */
  bareSaturated: number;
  /** Largest relative difference in machine speed between the two phases of a round. */
  sameSpeed: number;
}

export interface Round {
  ratio: number;
  /** Why the round does not count; empty when it does. */
  caveats: string[];
}

export interface RatioVerdict {
  rounds: Round[];
  /** Median of the counted rounds' ratios; undefined when none counts. */
  ratio?: number;
  counted: number;
  /** Counted rounds a verdict needs: MIN_COUNTED_ROUNDS, or every round when fewer were run. */
  needed: number;
  met: boolean;
}

/** Rounds needed for a verdict: one round alone is one stretch of the machine. */
export const MIN_COUNTED_ROUNDS = 2;

export function roundOf(ours: FlatOut, bare: FlatOut, rules: RatioRules): Round {
  const caveats: string[] = [];
  // Sustained only if the events kept up: a backlog of more than a second's worth means part of the
  // work (and its CPU) was left for after the measurement.
  if ((ours.eventsBehind ?? 0) > ours.callsPerS) caveats.push(`not sustained: ${ours.eventsBehind} events behind`);
  // The bare server is one event loop that saturates its core at flat out; below that, other load
  // starved it and the ratio flatters ours.
  if (bare.serverCpu < rules.bareSaturated) caveats.push(`the bare server got ${Math.round(bare.serverCpu * 100)} % of a core`);
  // Both phases on a machine of the same speed, as the reference workload sees it.
  const gap = Math.abs(ours.probeCpuMs - bare.probeCpuMs) / Math.min(ours.probeCpuMs, bare.probeCpuMs);
  if (gap > rules.sameSpeed) caveats.push(`reference workload ${ours.probeCpuMs} vs ${bare.probeCpuMs} ms`);
  return { ratio: ours.callsPerS / bare.callsPerS, caveats };
}

export function ratioVerdict(ours: FlatOut[], bare: FlatOut[], rules: RatioRules): RatioVerdict {
  const rounds = ours.map((o, i) => roundOf(o, bare[i]!, rules));
  const counted = rounds.filter((r) => r.caveats.length === 0).map((r) => r.ratio);
  const ratio = counted.length ? median(counted) : undefined;
  const needed = Math.min(MIN_COUNTED_ROUNDS, ours.length);
  return { rounds, ratio, counted: counted.length, needed, met: ratio !== undefined && counted.length >= needed && ratio >= 0.5 };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
