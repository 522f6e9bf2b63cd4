/**
 * `@cpo/oscp-protocol`: OSCP 2.0 wire types and validators, the ELMO profile's rules, forecast
 * normalisation/classification, the group energy register, and Asia/Taipei day helpers with an
 * injectable clock. Pure: no Nest, no HTTP, no database.
 */
export * from './messages.js';
export * from './headers.js';
export * from './taipei.js';
export * from './forecast.js';
export * from './elmo.js';
export * from './outbound.js';
export * from './measurements.js';
