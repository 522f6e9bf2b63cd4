import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerEnv, firstContainer } from './helpers/env.js';
import { K8S_DIR, render } from './helpers/kustomize.js';
import { find, NODE_RUNTIME_ENV, REPO, schemaKeys, SERVICES } from './helpers/platform.js';

// The manifests' environment against each service's real config loader (apps/<app>/src/config.ts):
// a variable the schema does not know would be silently ignored by the service (zod strips unknown
// keys), and a missing required one stops the rollout at boot. Both are caught here instead.

/**
 * Values of Secrets that are not in git: CloudNativePG creates `<app>-db-app` (key `uri`), and in
 * production the operator creates `<app>-secrets`. Plausible values, valid for the schemas, so the
 * test proves the variables are wired and every other value in the manifests is valid.
 */
const FIXTURES: Record<string, string> = {
  DATABASE_URL: 'postgresql://app:secret@app-db-rw.cpo:5432/app',
  OPERATOR_API_KEY: 'a-random-operator-key-of-32-chars',
  OSCP_TOKEN_ENCRYPTION_KEY: 'a-random-oscp-key-of-32-characters',
  OCPI_TOKEN_SECRET: 'a-random-ocpi-secret-of-at-least-32-characters',
  REMS_JWT_ACCESS_SECRET: 'a'.repeat(64),
  REMS_JWT_REFRESH_SECRET: 'b'.repeat(64),
};
const EXTERNAL: Record<string, (secret: string) => boolean> = {
  'overlays/dev': (s) => /^[a-z-]+-db-app$/.test(s),
  'overlays/prod': (s) => /^[a-z-]+-db-app$/.test(s) || /^[a-z-]+-secrets$/.test(s),
};

describe.each(Object.keys(EXTERNAL))('%s: environment of each service', (overlay) => {
  const resources = render(join(K8S_DIR, overlay));

  it.each(SERVICES.map((s) => [s.name, s] as const))('%s: every variable exists in its config schema, every required one is set and valid', (name, service) => {
    const { names, env, problems } = containerEnv(resources, firstContainer(find(resources, 'Deployment', name)), EXTERNAL[overlay], FIXTURES);
    expect(problems).toEqual([]);
    expect(env.NODE_ENV).toBe('production');
    // Throws ConfigError naming every missing or invalid variable (production has no defaults for them).
    const parsed = service.load(env);
    // zod strips unknown keys: a name set but absent from the parsed config is not in the schema.
    // Names left unset (optional keys of a Secret) are checked against the schema's source.
    const keys = schemaKeys(service.configFile);
    expect(names.filter((n) => !NODE_RUNTIME_ENV.has(n) && (n in env ? !(n in parsed) : !keys.has(n)))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(SERVICES.map((s) => [s.name, s] as const))('%s: the database URL comes from its own database cluster', (name, service) => {
    const container = firstContainer(find(resources, 'Deployment', name));
    const ref = (container.env as { name: string; valueFrom?: { secretKeyRef?: unknown } }[]).find((e) => e.name === 'DATABASE_URL');
    expect(ref?.valueFrom?.secretKeyRef).toEqual({ name: `${name}-db-app`, key: 'uri' });
    expect(service.database).toBe(String((find(resources, 'Cluster', `${name}-db`).spec as { bootstrap: { initdb: { database: string } } }).bootstrap.initdb.database));
  });
});

describe('every config variable', () => {
  it.each(SERVICES.map((s) => [s.name, s] as const))('%s: is set in its manifest or named there as left at its default', (name, service) => {
    const keys = schemaKeys(service.configFile);
    // the source-read key list must contain at least every key a parse reports
    const parsed = Object.keys(service.load({ NODE_ENV: 'development' })).filter((k) => k !== 'NODE_ENV');
    expect(parsed.filter((k) => !keys.has(k))).toEqual([]);
    const manifest = readFileSync(join(K8S_DIR, 'base', `${name}.yaml`), 'utf8');
    const missing = [...keys].filter((k) => k !== 'NODE_ENV' && !new RegExp(`\\b${k}\\b`).test(manifest));
    expect(missing).toEqual([]);
  });

  it('NODE_OPTIONS in the manifests and in compose is accepted by Node (it refuses to start on a flag not allowed there)', () => {
    const values = new Set<string>();
    for (const overlay of Object.keys(EXTERNAL)) {
      for (const cm of render(join(K8S_DIR, overlay)).filter((r) => r.kind === 'ConfigMap')) {
        const v = (cm.data as Record<string, string> | undefined)?.NODE_OPTIONS;
        if (v !== undefined) values.add(v);
      }
    }
    for (const m of readFileSync(join(REPO, 'docker-compose.yml'), 'utf8').matchAll(/^\s+NODE_OPTIONS: (\S+)/gm)) values.add(m[1]);
    expect(values.size).toBeGreaterThan(0);
    for (const value of values) {
      const run = spawnSync(process.execPath, ['-e', '0'], { env: { PATH: process.env.PATH, NODE_OPTIONS: value }, encoding: 'utf8' });
      expect({ value, status: run.status, stderr: run.stderr }).toEqual({ value, status: 0, stderr: '' });
    }
  });

  it('is listed in .env.example', () => {
    const example = readFileSync(join(REPO, '.env.example'), 'utf8');
    const keys = new Set(SERVICES.flatMap((s) => [...schemaKeys(s.configFile)]));
    expect([...keys].filter((k) => !new RegExp(`^${k}=`, 'm').test(example))).toEqual([]);
  });

  it('keeps secrets out of ConfigMaps', () => {
    for (const overlay of Object.keys(EXTERNAL)) {
      for (const cm of render(join(K8S_DIR, overlay)).filter((r) => r.kind === 'ConfigMap')) {
        const secretLike = Object.keys((cm.data as Record<string, string>) ?? {}).filter((k) => /KEY|SECRET|PASSWORD|TOKEN|DATABASE_URL/.test(k));
        expect({ configMap: cm.metadata.name, secretLike }).toEqual({ configMap: cm.metadata.name, secretLike: [] });
      }
    }
  });
});
