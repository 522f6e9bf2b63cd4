import type { Resource } from './kustomize.js';

/**
 * The environment a container of a rendered Deployment gets: its ConfigMaps (envFrom), literal
 * values and secretKeyRefs. Secrets that are not part of the rendered manifests (CloudNativePG's
 * `<app>-db-app`, the operator-created Secrets of the prod overlay) must be declared `external` by
 * the test; their values come from `fixtures`, plausible values by variable name.
 */
export interface ContainerEnv {
  names: string[];
  env: Record<string, string>;
  problems: string[];
}

type Obj = Record<string, unknown>;

export function containerEnv(resources: Resource[], container: Obj, external: (secret: string) => boolean, fixtures: Record<string, string>): ContainerEnv {
  const names: string[] = [];
  const env: Record<string, string> = {};
  const problems: string[] = [];
  for (const source of (container.envFrom as Obj[] | undefined) ?? []) {
    const ref = source.configMapRef as Obj | undefined;
    if (!ref) {
      problems.push(`envFrom ${JSON.stringify(source)}: only configMapRef is expected (Secrets are referenced key by key)`);
      continue;
    }
    const cm = resources.find((r) => r.kind === 'ConfigMap' && r.metadata.name === ref.name);
    if (!cm) {
      problems.push(`ConfigMap ${String(ref.name)} is not rendered`);
      continue;
    }
    for (const [k, v] of Object.entries((cm.data as Record<string, string>) ?? {})) {
      names.push(k);
      env[k] = v;
    }
  }
  for (const e of (container.env as Obj[] | undefined) ?? []) {
    const name = String(e.name);
    names.push(name);
    if (typeof e.value === 'string') {
      env[name] = e.value;
      continue;
    }
    const ref = (e.valueFrom as Obj | undefined)?.secretKeyRef as Obj | undefined;
    if (!ref) {
      problems.push(`${name}: only literal values and secretKeyRef are expected`);
      continue;
    }
    const value = secretValue(resources, String(ref.name), String(ref.key), external, fixtures, name);
    if (typeof value === 'string') env[name] = value;
    else if (ref.optional !== true) problems.push(`${name}: ${value.problem}`);
  }
  return { names, env, problems };
}

function secretValue(resources: Resource[], secret: string, key: string, external: (s: string) => boolean, fixtures: Record<string, string>, variable: string): string | { problem: string } {
  const rendered = resources.find((r) => r.kind === 'Secret' && r.metadata.name === secret);
  if (rendered) {
    const stringData = (rendered.stringData ?? {}) as Record<string, string>;
    const data = (rendered.data ?? {}) as Record<string, string>;
    if (key in stringData) return stringData[key];
    if (key in data) return Buffer.from(data[key], 'base64').toString('utf8');
    return { problem: `Secret ${secret} has no key ${key}` };
  }
  if (!external(secret)) return { problem: `Secret ${secret} is neither rendered nor declared external` };
  // An optional key of an external Secret may or may not exist: treat it as unset.
  const fixture = fixtures[variable];
  return fixture === undefined ? { problem: `no fixture value for ${variable} (external Secret ${secret})` } : fixture;
}

export const firstContainer = (deployment: Resource): Obj => {
  const containers = (((deployment.spec as Obj).template as Obj).spec as Obj).containers as Obj[];
  return containers[0];
};
