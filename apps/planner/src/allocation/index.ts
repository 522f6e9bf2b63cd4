/** Pure allocator of a group's available power to its connectors, and the dispatch helpers around it. */
export * from './types.js';
export { allocate } from './allocate.js';
export { admissionOrder } from './model.js';
export * from './hysteresis.js';
export * from './dispatch-order.js';
export * from './ramp.js';
