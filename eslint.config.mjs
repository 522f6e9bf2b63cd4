// Lint = TypeScript rules + Nx module boundaries: the architecture's import rules, enforced.
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const nodeIo = ['node:fs', 'node:fs/promises', 'node:net', 'node:http', 'node:https', 'node:child_process', 'node:dgram', 'fs', 'net', 'http', 'https', 'child_process'];
const frameworksAndIo = ['@nestjs/*', 'typeorm', 'pg', 'ioredis', 'mqtt', '@nats-io/*', 'ws', 'ocpp-rpc', 'express', ...nodeIo];

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
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // Scopes: an app sees only shared libraries and its own scope, never another app.
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:ocpp', onlyDependOnLibsWithTags: ['scope:shared', 'scope:ocpp'] },
            { sourceTag: 'scope:oscp', onlyDependOnLibsWithTags: ['scope:shared', 'scope:oscp'] },
            { sourceTag: 'scope:planner', onlyDependOnLibsWithTags: ['scope:shared', 'scope:planner'] },
            { sourceTag: 'scope:rems-ingest', onlyDependOnLibsWithTags: ['scope:shared', 'scope:rems-ingest'] },
            { sourceTag: 'scope:ocpi-hub', onlyDependOnLibsWithTags: ['scope:shared', 'scope:ocpi-hub'] },
            { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['scope:shared', 'scope:tools'] },
            // Types: the layering of the platform.
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:platform', 'type:contracts', 'type:protocol', 'type:testing'] },
            { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:platform', 'type:contracts', 'type:protocol'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:platform', 'type:contracts', 'type:protocol'] },
            // The bus contract and protocol codecs are pure: no framework, no I/O.
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'], bannedExternalImports: frameworksAndIo },
            { sourceTag: 'type:protocol', onlyDependOnLibsWithTags: ['type:protocol', 'type:contracts'], bannedExternalImports: frameworksAndIo },
          ],
        },
      ],
    },
  },
  {
    // Tests, benchmarks and scripts may print and may reach across for fixtures.
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/test/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
];
