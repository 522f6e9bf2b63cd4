/**
 * `@cpo/ocpi-protocol`: OCPI 2.1.1(-d2) and 2.2.1 wire types and validators, status codes, the
 * response envelope, pagination, token encoding, routing headers and the 2.1.1 ↔ 2.2.1 owner-id
 * back-port. Pure: no framework, no I/O.
 */
export * from './status.js';
export * from './envelope.js';
export * from './common.js';
export * from './token-codec.js';
export * from './pagination.js';
export * from './routing.js';
export * from './versions.js';
export * from './locations.js';
export * from './modules.js';
export * from './commands.js';
export * from './backport.js';
export * from './fixtures.js';
export * from './convert-objects.js';
export * from './convert-messages.js';
export * from './tariff-pricing.js';
