import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadOcpiHubConfig } from '../../../apps/ocpi-hub/src/config.js';
import { loadOcppConfig } from '../../../apps/ocpp/src/config.js';
import { loadOscpConfig } from '../../../apps/oscp/src/config.js';
import { loadPlannerConfig } from '../../../apps/planner/src/config.js';
import { loadRemsIngestConfig } from '../../../apps/rems-ingest/src/config.js';
import { loadTestbedConfig } from '../../../apps/elmo-testbed/src/config.js';
import { MetricsController } from '../../../libs/platform/src/metrics/metrics.controller.js';
import { PlatformModule } from '../../../libs/platform/src/platform.module.js';
import type { Resource } from './kustomize.js';

/** What the deployment tests know about the code they deploy, read from the code itself. */

export const REPO = resolve(new URL('.', import.meta.url).pathname, '../../..');

type Loader = (env: NodeJS.ProcessEnv) => Record<string, unknown>;

export interface Service {
  name: string;
  /** The logical database of the service (CloudNativePG cluster `<name>-db`). */
  database: string;
  load: Loader;
  configFile: string;
}

export const SERVICES: Service[] = [
  { name: 'oscp', database: 'oscp', load: loadOscpConfig, configFile: 'apps/oscp/src/config.ts' },
  { name: 'ocpp', database: 'ocpp', load: loadOcppConfig, configFile: 'apps/ocpp/src/config.ts' },
  { name: 'ocpi-hub', database: 'ocpi', load: loadOcpiHubConfig, configFile: 'apps/ocpi-hub/src/config.ts' },
  { name: 'rems-ingest', database: 'rems', load: loadRemsIngestConfig, configFile: 'apps/rems-ingest/src/config.ts' },
  { name: 'planner', database: 'planner', load: loadPlannerConfig, configFile: 'apps/planner/src/config.ts' },
];
export const SERVICE_NAMES = SERVICES.map((s) => s.name);
/** Variables Node itself reads, not a service's config: allowed beside the config schema's. */
export const NODE_RUNTIME_ENV = new Set(['NODE_OPTIONS']);
export const TESTBED = { name: 'elmo-testbed', load: loadTestbedConfig as Loader };

/** The HTTP port a service listens on when HTTP_PORT is not set: its config schema's default. */
export const defaultPort = (load: Loader) => Number(load({ NODE_ENV: 'development' }).HTTP_PORT);

/**
 * Every variable name of an app's config schema: the keys of its zod object, i.e. the keys of the
 * app's config.ts plus libs/platform's shared shape. Read from the source because optional keys
 * without a default do not appear in a parsed config; cross-checked against a parse in the tests.
 */
export function schemaKeys(configFile: string): Set<string> {
  const keysOf = (file: string) => [...readFileSync(resolve(REPO, file), 'utf8').matchAll(/^\s+([A-Z][A-Z0-9_]+): /gm)].map((m) => m[1]);
  return new Set([...keysOf('libs/platform/src/config/platform-config.ts'), ...keysOf(configFile)]);
}

/**
 * The HTTP routes every service serves from libs/platform (health, readiness, metrics), read from
 * the Nest route metadata of the controllers PlatformModule registers, so a renamed route breaks
 * the probe tests rather than the rollout.
 */
export function platformRoutes(): Set<string> {
  const mod = PlatformModule.forRoot({} as never, {} as never);
  const routes = new Set<string>();
  for (const controller of [...(mod.controllers ?? []), MetricsController]) {
    const base = String(Reflect.getMetadata('path', controller) ?? '');
    const proto = (controller as { prototype: Record<string, unknown> }).prototype;
    for (const method of Object.getOwnPropertyNames(proto)) {
      const handler = proto[method];
      if (typeof handler !== 'function' || Reflect.getMetadata('method', handler) !== 0 /* RequestMethod.GET */) continue;
      const sub = String(Reflect.getMetadata('path', handler) ?? '/');
      routes.add(`/${[base, sub].map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`);
    }
  }
  return routes;
}

export const byKind = (resources: Resource[], kind: string) => resources.filter((r) => r.kind === kind);
export function find(resources: Resource[], kind: string, name: string): Resource {
  const r = resources.find((x) => x.kind === kind && x.metadata.name === name);
  if (!r) throw new Error(`${kind}/${name} is not in the rendered manifests`);
  return r;
}
