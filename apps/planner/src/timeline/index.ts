/** Pure effective-limit timeline of a group (no I/O): sources → `L(t)` → `A(t)`. */
export * from './types.js';
export * from './taipei.js';
export * from './capacity-state.js';
export * from './timeline.js';
export * from './available-power.js';
