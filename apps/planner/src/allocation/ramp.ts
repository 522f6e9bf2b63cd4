/**
 * Ramp limiter for increases: decreases are applied at once, increases grow by at most a rate per
 * second, compounded (OpenEMS: 3 %/s, about one minute from 6 A to 32 A). The group total is
 * ramped too, so an hour boundary with a higher limit does not become one step of the whole site.
 * Every ramped value lies between the current and the target value, so if the targets satisfy all
 * constraints and the current values did, the ramped ones do as well.
 */

/** Rates of the ramp. */
export interface RampConfig {
  /** Relative increase per second, compounded (default 0.03). */
  readonly ratePerSecond?: number;
}

/** One value to ramp (a connector's limit in its unit). */
export interface RampItem {
  readonly id: string;
  readonly current: number;
  readonly target: number;
  /** The value an increase may always jump to (the minimum current: a resumed session starts there). */
  readonly floor: number;
  /** The charger's step; ramped values are floored to it. */
  readonly step: number;
  /** W per unit of the value (V·phases for A, 1 for W), for the group ramp. */
  readonly wattsPerUnit: number;
}

const growth = (rate: number, elapsedMs: number): number => Math.pow(1 + rate, Math.max(0, elapsedMs) / 1000);
const floorTo = (v: number, step: number): number => Math.round(Math.floor(v / step + 1e-9) * step * 1e6) / 1e6;

/** The next value of one limit after `elapsedMs` since it was last changed (off the step grid: see {@link rampGroup}). */
export function rampValue(current: number, target: number, elapsedMs: number, floor: number, config: RampConfig = {}): number {
  if (target <= current) return target;
  const allowed = Math.max(floor, current * growth(config.ratePerSecond ?? 0.03, elapsedMs));
  return Math.min(target, allowed);
}

/**
 * Ramps a set of limits and their group total. Increases are first ramped one by one, then scaled
 * down together if their sum in W would grow the group faster than the same rate (with
 * `groupFloorW` always allowed, so a site at 0 W can start). A resumed session that cannot get
 * its floor this tick stays where it is rather than receive a value below its minimum.
 */
export function rampGroup(items: readonly RampItem[], elapsedMs: number, groupFloorW: number, config: RampConfig = {}): Map<string, number> {
  const out = new Map<string, number>();
  const rate = config.ratePerSecond ?? 0.03;
  let currentW = 0;
  let wantedW = 0;
  const ramped = [...items]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((item) => {
      currentW += item.current * item.wattsPerUnit;
      const value = rampValue(item.current, item.target, elapsedMs, item.floor, config);
      if (value > item.current) wantedW += (value - item.current) * item.wattsPerUnit;
      return { item, value };
    });
  const budgetW = Math.max(groupFloorW, currentW * (growth(rate, elapsedMs) - 1));
  const scale = wantedW > budgetW ? budgetW / wantedW : 1;
  for (const { item, value } of ramped) {
    if (value <= item.current) {
      out.set(item.id, value);
      continue;
    }
    let next = floorTo(item.current + scale * (value - item.current), item.step);
    if (next < item.floor) next = item.current;
    out.set(item.id, Math.max(item.current, Math.min(next, value)));
  }
  return out;
}
