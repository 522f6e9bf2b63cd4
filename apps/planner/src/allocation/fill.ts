/**
 * Admission at the minimum and progressive filling (continuous). Both work on the model's levels;
 * discretisation comes afterwards and only ever lowers a level, so it cannot break a constraint.
 */
import { levelOf, zeros, type Model } from './model.js';

/** The continuous allocation: levels per connector (admission order) and the load per constraint. */
export interface ContinuousAllocation {
  readonly admitted: readonly boolean[];
  readonly level: number[];
  readonly used: number[];
}

/**
 * Admits connectors in admission order at their minimum when every constraint still holds
 * ("the minimum or nothing"). A later, smaller connector may still fit where an earlier one did
 * not, e.g. a 1-phase car on a phase that has room.
 */
export function admit(model: Model): ContinuousAllocation {
  const { connectors, constraints } = model;
  const used = zeros(constraints.length);
  const level = zeros(connectors.length);
  const admitted = connectors.map((c, i) => {
    if (c.kMin > c.kMax) return false;
    const min = levelOf(c, c.kMin);
    for (let j = 0; j < c.ks.length; j++) {
      const k = c.ks[j];
      if (used[k] + c.cs[j] * min > constraints[k].capacity + constraints[k].tolerance) return false;
    }
    for (let j = 0; j < c.ks.length; j++) used[c.ks[j]] += c.cs[j] * min;
    level[i] = min;
    return true;
  });
  return { admitted, level, used };
}

/**
 * Progressive filling, class by class (higher priority first, equal level within a class).
 *
 * Instead of small increments it jumps from event to event: the water level `λ` rises for the
 * connectors at it until a constraint becomes tight (its members freeze), one reaches its maximum
 * (it freezes) or `λ` reaches a connector whose minimum is higher (it joins). Every event freezes
 * or joins at least one connector, so a class of n connectors with C constraints costs O(n·(n+C)).
 * The result is max-min fair on the levels.
 */
export function fill(model: Model, start: ContinuousAllocation): ContinuousAllocation {
  const { connectors } = model;
  const level = start.level.slice();
  const used = start.used.slice();
  const maxLevel = zeros(connectors.length);
  const classes: number[] = [];
  connectors.forEach((c, i) => {
    maxLevel[i] = levelOf(c, c.kMax);
    if (start.admitted[i] && !classes.includes(c.demand.priority)) classes.push(c.demand.priority);
  });
  classes.sort((a, b) => b - a);
  // 0 = frozen, 1 = waiting for λ to reach its (higher) minimum, 2 = rising with λ.
  const state = zeros(connectors.length);
  for (const priority of classes) {
    let count = 0;
    connectors.forEach((c, i) => {
      const take = start.admitted[i] && c.demand.priority === priority && level[i] < maxLevel[i];
      state[i] = take ? 1 : 0;
      if (take) count++;
    });
    if (count > 0) fillClass(model, state, count, level, used, maxLevel);
  }
  return { admitted: start.admitted, level, used };
}

function fillClass(model: Model, state: number[], unfrozenCount: number, level: number[], used: number[], maxLevel: number[]): void {
  const { connectors, constraints, active } = model;
  const n = connectors.length;
  const risingCoeff = zeros(constraints.length);
  let unfrozen = unfrozenCount;
  let lambda = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) if (state[i] !== 0) lambda = Math.min(lambda, level[i]);
  const eps = (x: number): number => 1e-12 * Math.max(1, Math.abs(x));
  const join = (i: number): void => {
    state[i] = 2;
    const { ks, cs } = connectors[i];
    for (let j = 0; j < ks.length; j++) risingCoeff[ks[j]] += cs[j];
  };
  const freeze = (i: number): void => {
    if (state[i] === 0) return;
    if (state[i] === 2) {
      level[i] = Math.min(lambda, maxLevel[i]);
      const { ks, cs } = connectors[i];
      for (let j = 0; j < ks.length; j++) risingCoeff[ks[j]] -= cs[j];
    }
    state[i] = 0;
    unfrozen--;
  };
  for (let i = 0; i < n; i++) if (state[i] === 1 && level[i] <= lambda + eps(lambda)) join(i);

  while (unfrozen > 0) {
    let delta = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      if (state[i] === 2) delta = Math.min(delta, maxLevel[i] - lambda);
      else if (state[i] === 1) delta = Math.min(delta, level[i] - lambda);
    }
    let tightest = -1;
    for (const k of active) {
      if (risingCoeff[k] <= 1e-12) continue;
      const d = (constraints[k].capacity - used[k]) / risingCoeff[k];
      if (d < delta) {
        delta = d;
        tightest = k;
      }
    }
    delta = Math.max(0, delta);
    lambda += delta;
    for (const k of active) if (risingCoeff[k] > 1e-12) used[k] += delta * risingCoeff[k];
    // The constraint that set the step is tight by construction, whatever the rounding says.
    if (tightest >= 0) for (const i of constraints[tightest].members) freeze(i);
    for (const k of active) {
      if (constraints[k].capacity - used[k] <= constraints[k].tolerance) for (const i of constraints[k].members) freeze(i);
    }
    for (let i = 0; i < n; i++) {
      if (state[i] === 2 && maxLevel[i] - lambda <= eps(maxLevel[i])) freeze(i);
      else if (state[i] === 1 && level[i] <= lambda + eps(lambda)) join(i);
    }
  }
}
