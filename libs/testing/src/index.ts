export * from './infra.js';
export * from './test-app.js';
