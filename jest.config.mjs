import { existsSync } from 'node:fs';

// Jest runs in ESM mode (Nest 12 is ESM-only). Two projects: `unit` needs no servers,
// `integration` talks to the real PostgreSQL / NATS / Redis / Mosquitto started by scripts/infra.sh.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2023',
      keepClassNames: true,
    },
    module: { type: 'es6' },
  },
];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@cpo/([a-z0-9-]+)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
  rootDir: '.',
  roots: ['apps', 'libs', 'tools', 'deploy', 'test', 'bench'].filter((d) => existsSync(d)).map((d) => `<rootDir>/${d}`),
};
export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['**/*.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: ['**/*.int-spec.ts'], slowTestThreshold: 20 },
  ],
  maxWorkers: 2,
  // Every ESM test file re-evaluates Nest, TypeORM and the app graph in a fresh vm context, and
  // node keeps those modules alive: a worker's heap grows by ~70 MB a file and its later files
  // crawl in garbage collection (a 1 s suite took 37 s late in a full run). A worker whose heap
  // passes this after a file is replaced by a fresh one, which costs well under a second.
  workerIdleMemoryLimit: '800MB',
  // A per-project testTimeout is ignored by Jest 30; integration tests need more than the 5 s default.
  testTimeout: 60000,
};
