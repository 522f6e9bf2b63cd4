/** Injection token of the planner's clock (tests replace it to play a day in seconds). */
export const CLOCK = Symbol('PLANNER_CLOCK');

/** The planner's notion of now; every rule that depends on the time of day reads it from here. */
export interface Clock {
  now(): number;
}

/** Wall-clock time. */
export const systemClock: Clock = { now: () => Date.now() };
