/**
 * Discretisation to each charger's step and redistribution of the leftover. Works in whole steps
 * (integers) so that no rounding can creep in: the load of every constraint is recomputed from the
 * step counts and each extra step is granted only if every constraint still holds.
 */
import type { ContinuousAllocation } from './fill.js';
import { levelOf, zeros, type Model } from './model.js';

/** Steps per connector (admission order); 0 for connectors not admitted. */
export interface DiscreteAllocation {
  readonly steps: number[];
  readonly used: number[];
}

function loadOf(model: Model, admitted: readonly boolean[], steps: number[]): number[] {
  const used = zeros(model.constraints.length);
  model.connectors.forEach((c, i) => {
    if (!admitted[i]) return;
    const level = levelOf(c, steps[i]);
    for (let j = 0; j < c.allKs.length; j++) used[c.allKs[j]] += c.allCs[j] * level;
  });
  return used;
}

function fits(model: Model, used: number[], i: number, extraLevel: number): boolean {
  const { ks, cs } = model.connectors[i];
  for (let j = 0; j < ks.length; j++) {
    const c = model.constraints[ks[j]];
    if (used[ks[j]] + cs[j] * extraLevel > c.capacity + c.tolerance) return false;
  }
  return true;
}

/**
 * Floors every admitted level to its step grid, then hands out the slack one step at a time:
 * largest fractional remainder first, then priority, then arrival (the admission order breaks
 * the remaining ties). Passes repeat while a step can still be given, because a coarse step freed
 * by one connector (1 A) may fit several fine steps (0.1 A) of another.
 */
export function discretise(model: Model, continuous: ContinuousAllocation): DiscreteAllocation {
  const { connectors } = model;
  const { admitted, level } = continuous;
  const steps = zeros(connectors.length);
  connectors.forEach((c, i) => {
    if (!admitted[i]) return;
    // The 1e-9 keeps 8.3 from flooring to 8.2 when the division gives 82.99999999999999.
    const k = Math.floor((level[i] * c.scale) / c.step + 1e-9);
    steps[i] = Math.min(c.kMax, Math.max(c.kMin, k));
  });
  let used = loadOf(model, admitted, steps);
  if (repairOvershoot(model, admitted, steps, used)) used = loadOf(model, admitted, steps);

  const remainder = zeros(connectors.length);
  let candidates = connectors.map((_, i) => i).filter((i) => admitted[i]);
  for (let pass = 0; pass < 10_000 && candidates.length > 0; pass++) {
    for (const i of candidates) remainder[i] = (level[i] * connectors[i].scale) / connectors[i].step - steps[i];
    // Stable sort: equal remainders keep admission order (priority, running first, arrival, id).
    candidates.sort((a, b) => remainder[b] - remainder[a]);
    const next: number[] = [];
    for (const i of candidates) {
      if (steps[i] >= connectors[i].kMax) continue;
      const extra = levelOf(connectors[i], 1);
      if (!fits(model, used, i, extra)) continue;
      steps[i] += 1;
      const { allKs, allCs } = connectors[i];
      for (let j = 0; j < allKs.length; j++) used[allKs[j]] += allCs[j] * extra;
      next.push(i);
    }
    // Only a connector that just took a step can take another: the others were blocked, and
    // giving steps never frees room.
    candidates = next;
  }
  return { steps, used };
}

/**
 * The `1e-9` in flooring could round a level up by a hair over a tight constraint; take one step
 * back from the latest-admitted member above its minimum until every constraint holds again.
 */
function repairOvershoot(model: Model, admitted: readonly boolean[], steps: number[], used: number[]): boolean {
  let changed = false;
  model.constraints.forEach((c, k) => {
    for (let j = c.members.length - 1; j >= 0 && used[k] > c.capacity + c.tolerance; j--) {
      const i = c.members[j];
      const conn = model.connectors[i];
      if (!admitted[i] || steps[i] <= conn.kMin) continue;
      steps[i] -= 1;
      changed = true;
      const back = levelOf(conn, 1);
      for (let jj = 0; jj < conn.allKs.length; jj++) used[conn.allKs[jj]] -= conn.allCs[jj] * back;
      j++;
    }
  });
  return changed;
}
