export * from './charge-point.js';
export * from './handlers.js';
/** A scriptable in-process central system for tests of chargers built on this SDK. */
export { acceptingAnswers, TestCsms, type CsmsAnswer } from './test-csms.js';
export { OcppCallError, OcppTimeoutError } from '@cpo/ocpp-protocol';
