import type { InfeasibleBlock } from './round-types.js';
import type { StepValues } from './schedules.js';

/**
 * The intervals in which load we cannot steer alone exceeds what the group may draw: pausing every
 * controllable session would not help, so this is what `capacity.compliance.failed` reports.
 * Adjacent intervals with the same limit source are merged.
 */
export function infeasibleBlocks(steps: readonly StepValues[], horizonMs: number): InfeasibleBlock[] {
  const blocks: InfeasibleBlock[] = [];
  steps.forEach((step, k) => {
    if (!step.allocation.overloaded) return;
    const endMs = steps[k + 1]?.atMs ?? horizonMs;
    const minimumW = step.allocation.uncontrolledW;
    const last = blocks[blocks.length - 1];
    if (last !== undefined && last.endMs === step.atMs && last.source.requestId === step.source.requestId && last.limitW === step.limitW) {
      blocks[blocks.length - 1] = { ...last, endMs, minimumW: Math.max(last.minimumW, minimumW) };
      return;
    }
    blocks.push({ startMs: step.atMs, endMs, limitW: step.limitW, minimumW, source: step.source });
  });
  return blocks;
}
