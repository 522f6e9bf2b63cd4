export * from './infra.js';
export * from './test-app.js';
export * from './log-capture.js';
export * from './event-tap.js';
export * from './template-db.js';
export * from './silent-tcp.js';
