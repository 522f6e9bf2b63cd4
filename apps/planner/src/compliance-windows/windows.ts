/**
 * Compliance maths, pure: energy the limit allows in a window, the group register built from
 * connector registers, and the verdict per window. The window grid is aligned to the hour in
 * Asia/Taipei (a whole-hour offset from UTC), like ELMO's 15-minute grid.
 */
import type { LimitSegment } from '../timeline/index.js';

/** Energy in Wh the limit allows over `[startMs, endMs)`: ∫ L dt, the limit may step inside. */
export function allowedWh(segments: readonly LimitSegment[], startMs: number, endMs: number): number {
  let wh = 0;
  for (const s of segments) {
    const from = Math.max(s.startMs, startMs);
    const to = Math.min(s.endMs, endMs);
    if (to > from) wh += (s.powerW * (to - from)) / 3_600_000;
  }
  return wh;
}

/**
 * Energy a connector register added since it was last seen. First sight is the baseline (0). A
 * register that went backwards was reset or replaced: nothing is counted for that step rather
 * than a guess, so the group register never goes backwards. A register last seen longer ago than
 * `maxGapMs` is a new baseline too: the connector was outside the group (moved, removed and
 * re-added) and what it drew meanwhile is not this group's.
 */
export function registerDelta(previousWh: number | undefined, currentWh: number, gap?: { seenAtMs?: number; nowMs: number; maxGapMs: number }): number {
  if (previousWh === undefined || currentWh < previousWh) return 0;
  if (gap !== undefined && (gap.seenAtMs === undefined || gap.nowMs - gap.seenAtMs > gap.maxGapMs)) return 0;
  return currentWh - previousWh;
}

/** Start of the window containing `ms` (windows aligned to the epoch, hence to the Taipei hour). */
export function windowStartOf(ms: number, windowMs: number): number {
  return Math.floor(ms / windowMs) * windowMs;
}

/** A group register reading: cumulative Wh of the group as sampled at `atMs`. */
export interface GroupReading {
  readonly atMs: number;
  readonly energyWh: number;
  /** Age of the oldest session register when the reading was taken; undefined when nothing charged. */
  readonly meterAgeMs?: number;
}

/** The verdict of one window; `compliant` is undefined when the readings do not cover it. */
export interface WindowVerdict {
  readonly startMs: number;
  readonly endMs: number;
  readonly allowedWh: number;
  readonly measuredWh?: number;
  readonly compliant?: boolean;
}

/**
 * Judges one window from the readings nearest its two edges (each within `toleranceMs`). Without
 * a reading at both edges, or when a session's register was older than `staleAfterMs` at either
 * edge (a silent charger's energy would land in a later window), the window is not evaluable:
 * that is recorded as such, never as compliant.
 */
export function judgeWindow(
  readings: readonly GroupReading[],
  segments: readonly LimitSegment[],
  startMs: number,
  endMs: number,
  toleranceMs: number,
  staleAfterMs = Infinity,
): WindowVerdict {
  const allowed = allowedWh(segments, startMs, endMs);
  const at = (t: number): GroupReading | undefined => {
    let best: GroupReading | undefined;
    for (const r of readings) if (Math.abs(r.atMs - t) <= toleranceMs && (best === undefined || Math.abs(r.atMs - t) < Math.abs(best.atMs - t))) best = r;
    return best;
  };
  const first = at(startMs);
  const last = at(endMs);
  if (first === undefined || last === undefined || last.atMs <= first.atMs) return { startMs, endMs, allowedWh: allowed };
  if ((first.meterAgeMs ?? 0) > staleAfterMs || (last.meterAgeMs ?? 0) > staleAfterMs) return { startMs, endMs, allowedWh: allowed };
  // Scale to the window when the readings are not exactly at its edges.
  const measured = ((last.energyWh - first.energyWh) * (endMs - startMs)) / (last.atMs - first.atMs);
  return { startMs, endMs, allowedWh: allowed, measuredWh: measured, compliant: measured <= allowed + 1e-6 };
}
