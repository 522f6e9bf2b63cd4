import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { idTagRef } from './log-redaction.js';

describe('idTagRef', () => {
  it('is a short stable pseudonym, the same for every case of the tag (IdToken is a CiString), never the tag', () => {
    const ref = idTagRef('04A1B2C3D4E5F6');
    expect(ref).toMatch(/^[0-9a-f]{12}$/);
    expect(idTagRef('04a1b2c3d4e5f6')).toBe(ref);
    expect(ref).not.toContain('04a1b2');
    expect(idTagRef('04A1B2C3D4E5F7')).not.toBe(ref);
  });

  it('is what docs/ocpp.md tells an operator to compute: sha256 of the lower-cased tag, its first 12 hex digits', () => {
    expect(idTagRef('DE*ABC*C12345678*9')).toBe(createHash('sha256').update('de*abc*c12345678*9').digest('hex').slice(0, 12));
  });
});

/** The .ts sources under `dir`, specs excluded. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !/\.(spec|int-spec)\.ts$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

describe('apps/ocpp logs no idTag in clear', () => {
  it('no logger call carries idTag, parentIdTag or id_tag as a field (log idTagRef(tag) instead)', () => {
    const offenders: string[] = [];
    for (const file of sources(join(process.cwd(), 'apps/ocpp/src'))) {
      const text = readFileSync(file, 'utf8');
      // The merge object of a logger call (flat, as every call here writes it), across lines.
      for (const call of text.matchAll(/logger\.(?:trace|debug|info|warn|error|fatal)\(\s*\{([^}]*)\}/g)) {
        if (/(?:^|[{,\s])(?:idTag|parentIdTag|id_tag)\s*(?::|,|$)/.test(call[1]!)) offenders.push(`${file}: ${call[0].replace(/\s+/g, ' ')}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
