// Lint = TypeScript rules + Nx module boundaries: the architecture's import rules, enforced.
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const nodeIo = ['node:fs', 'node:fs/promises', 'node:net', 'node:http', 'node:https', 'node:child_process', 'node:dgram', 'fs', 'net', 'http', 'https', 'child_process'];
const frameworksAndIo = ['@nestjs/*', 'typeorm', 'pg', 'ioredis', 'mqtt', '@nats-io/*', 'ws', 'ocpp-rpc', 'express', ...nodeIo];

/** The architecture's import rules; test code may also use the testing library. */
function boundaries(inTests) {
  const testing = inTests ? ['type:testing'] : [];
  return {
    enforceBuildableLibDependency: false,
    allow: [],
    depConstraints: [
      // Scopes: an app sees only shared libraries and its own scope, never another app.
      { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
      ...['ocpp', 'oscp', 'planner', 'rems-ingest', 'ocpi-hub', 'tools'].map((scope) => ({
        sourceTag: `scope:${scope}`,
        onlyDependOnLibsWithTags: ['scope:shared', `scope:${scope}`],
      })),
      // Types: the layering of the platform.
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:platform', 'type:contracts', 'type:protocol', ...testing] },
      { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:platform', 'type:contracts', 'type:protocol', ...testing] },
      { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:platform', 'type:contracts', 'type:protocol'] },
      // The bus contract and protocol codecs are pure: no framework, no I/O.
      { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'], bannedExternalImports: frameworksAndIo },
      { sourceTag: 'type:protocol', onlyDependOnLibsWithTags: ['type:protocol', 'type:contracts'], bannedExternalImports: frameworksAndIo },
    ],
  };
}

export default [
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.infra/**', '.nx/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { plugins: { '@nx': nx } },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'error',
      '@nx/enforce-module-boundaries': ['error', boundaries(false)],
    },
  },
  {
    // Tests, benchmarks and scripts may print and may reach across for fixtures.
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/test/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off', '@nx/enforce-module-boundaries': ['error', boundaries(true)] },
  },
];
