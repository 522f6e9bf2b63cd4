import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { urlRedactor } from '@cpo/platform';
import { idTagRef, OCPP_PERSONAL_DATA_IN_URLS } from './log-redaction.js';

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

describe('apps/ocpp request URLs: every route and query filter carrying a tag is declared personal', () => {
  const redact = urlRedactor(OCPP_PERSONAL_DATA_IN_URLS);
  const TAG_NAMES = /^(?:idTag|parentIdTag|id_tag)$/;

  it('each route with an idTag parameter has it written as a ref in the request log (OCPP_PERSONAL_DATA_IN_URLS.paths)', () => {
    const leaking: string[] = [];
    let routes = 0;
    for (const file of sources(join(process.cwd(), 'apps/ocpp/src'))) {
      let prefix = '';
      // Controller prefixes and route decorators in source order: each route belongs to the controller above it.
      for (const m of readFileSync(file, 'utf8').matchAll(/@(OperatorController|Controller|Get|Put|Post|Patch|Delete)\(\s*'([^']*)'/g)) {
        const [, decorator, path] = m as unknown as [string, string, string];
        if (decorator === 'OperatorController') prefix = `/api/v1/${path}`;
        else if (decorator === 'Controller') prefix = `/${path}`;
        else if (path.split('/').some((s) => s.startsWith(':') && TAG_NAMES.test(s.slice(1)))) {
          routes += 1;
          const url = `${prefix}/${path}`.replace(/:(\w+)/g, (_, name: string) => `SAMPLE-${name}`);
          if (/SAMPLE-(?:idTag|parentIdTag|id_tag)\b/.test(redact(url))) leaking.push(`${file}: ${url}`);
        }
      }
    }
    expect(routes).toBeGreaterThan(0);
    expect(leaking).toEqual([]);
  });

  it('each query DTO field naming a tag is a personal query parameter (OCPP_PERSONAL_DATA_IN_URLS.query)', () => {
    const undeclared: string[] = [];
    for (const file of sources(join(process.cwd(), 'apps/ocpp/src'))) {
      for (const cls of readFileSync(file, 'utf8').matchAll(/export class (\w+Query)\b[^{]*\{([\s\S]*?)\n\}/g)) {
        for (const field of cls[2]!.matchAll(/\b(\w+)[?!]?:\s*string/g)) {
          if (TAG_NAMES.test(field[1]!) && !OCPP_PERSONAL_DATA_IN_URLS.query?.includes(field[1]!)) undeclared.push(`${cls[1]}.${field[1]}`);
        }
      }
    }
    expect(undeclared).toEqual([]);
  });
});
