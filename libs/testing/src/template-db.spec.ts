import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { schemaSourcesDigest } from './template-db.js';

describe('schemaSourcesDigest (what else names a migration template besides the migration classes)', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tpl-digest-'));
    mkdirSync(join(root, 'libs/messaging/src/outbox'), { recursive: true });
    mkdirSync(join(root, 'apps/ocpp/src/migrations'), { recursive: true });
    writeFileSync(join(root, 'libs/messaging/src/outbox/schema.ts'), `import type { QueryRunner } from 'typeorm';\nexport const schema = { up: (q: QueryRunner) => q.query('CREATE TABLE outbox (id int)') };\n`);
    writeFileSync(join(root, 'apps/ocpp/src/migrations/1-a.ts'), `import type { MigrationInterface } from 'typeorm';\nimport { schema } from '@cpo/messaging';\n`);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('changes when a helper a migration delegates to changes (a class whose up() only calls it keeps its own code)', () => {
    const before = schemaSourcesDigest(root);
    writeFileSync(join(root, 'libs/messaging/src/outbox/schema.ts'), `import type { QueryRunner } from 'typeorm';\nexport const schema = { up: (q: QueryRunner) => q.query('CREATE TABLE outbox (id bigint)') };\n`);
    expect(schemaSourcesDigest(root)).not.toBe(before);
  });

  it('ignores code that touches no schema and spec files', () => {
    const before = schemaSourcesDigest(root);
    writeFileSync(join(root, 'apps/ocpp/src/service.ts'), `export const x = 1;\n`);
    writeFileSync(join(root, 'apps/ocpp/src/migrations/1-a.spec.ts'), `import type { QueryRunner } from 'typeorm';\n`);
    expect(schemaSourcesDigest(root)).toBe(before);
  });
});
