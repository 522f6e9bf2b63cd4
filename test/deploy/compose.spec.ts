import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { containersOf, K8S_DIR, parseImage, render } from './helpers/kustomize.js';
import { defaultPort, NODE_RUNTIME_ENV, REPO, SERVICE_NAMES, SERVICES, TESTBED } from './helpers/platform.js';

// docker-compose.yml, the Dockerfile and .dockerignore, checked without docker: structure, start
// order, one database per service, the services' environment against their config loaders, and
// the same images as the Kubernetes manifests.

type Obj = Record<string, unknown>;
interface ComposeService {
  image?: string;
  build?: { context: string; args: Record<string, string> };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: Obj;
  profiles?: string[];
  command?: string[];
}
const compose = parse(readFileSync(join(REPO, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;
const INFRA = ['postgres', 'nats', 'redis', 'mosquitto'];

/** Compose interpolation with the defaults (`${VAR:-default}`, `${VAR}` → empty), as on a machine with no .env. */
const interpolate = (value: string) => value.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_, _name: string, fallback?: string) => fallback ?? '');
const environment = (s: ComposeService) => Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));

describe('docker-compose.yml', () => {
  it('runs the whole platform: PostgreSQL, NATS with JetStream, Redis, Mosquitto and the five services', () => {
    for (const name of [...INFRA, ...SERVICE_NAMES]) expect({ name, profiles: services[name]?.profiles }).toEqual({ name, profiles: undefined });
    expect(services.nats.command).toContain('-js');
  });

  it('starts in health order: every dependency has a healthcheck and is awaited as healthy', () => {
    for (const name of INFRA) expect(services[name].healthcheck).toMatchObject({ test: expect.any(Array) });
    for (const name of SERVICE_NAMES) {
      const needs = ['postgres', 'nats', 'redis', ...(name === 'rems-ingest' ? ['mosquitto'] : [])];
      expect(Object.keys(services[name].depends_on ?? {}).sort()).toEqual(needs.sort());
    }
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect({ name, dep, condition }).toEqual({ name, dep, condition: 'service_healthy' });
        // a service_healthy dependency needs a healthcheck: its own, or the image's HEALTHCHECK (our builds)
        expect(Boolean(services[dep].healthcheck) || services[dep].build !== undefined).toBe(true);
      }
    }
  });

  it('gives each service its own database and role, which nothing else can connect to', () => {
    const init = readFileSync(join(REPO, 'deploy/compose/postgres-init.sql'), 'utf8');
    const urls = SERVICES.map((s) => new URL(environment(services[s.name]).DATABASE_URL));
    expect(new Set(urls.map((u) => u.pathname)).size).toBe(SERVICES.length);
    SERVICES.forEach((s, i) => {
      const { username, password, pathname, hostname } = urls[i];
      expect({ hostname, database: pathname.slice(1) }).toEqual({ hostname: 'postgres', database: s.database });
      expect(init).toContain(`CREATE ROLE ${username} LOGIN PASSWORD '${password}';`);
      expect(init).toContain(`CREATE DATABASE ${s.database} OWNER ${username};`);
      expect(init).toMatch(new RegExp(`REVOKE CONNECT[^;]*ON DATABASE [^;]*\\b${s.database}\\b[^;]*FROM PUBLIC`));
    });
    expect(new Set(urls.map((u) => u.username)).size).toBe(SERVICES.length);
  });

  it.each(SERVICES.map((s) => [s.name, s] as const))('%s: its environment passes the service config loader, with no unknown variable', (name, service) => {
    const env = environment(services[name]);
    expect(env.NODE_ENV).toBe('production');
    const parsed = service.load(env);
    expect(Object.keys(env).filter((k) => !NODE_RUNTIME_ENV.has(k) && !(k in parsed))).toEqual([]);
    expect(String(parsed.HTTP_PORT)).toBe(services[name].build?.args.HTTP_PORT);
  });

  it('has the ELMO testbed and the charger simulator in the demo profile, after the services they drive', () => {
    expect(services['elmo-testbed']).toMatchObject({ profiles: ['demo'], depends_on: { oscp: { condition: 'service_healthy' } } });
    expect(services['cp-simulator']).toMatchObject({ profiles: ['demo'], depends_on: { ocpp: { condition: 'service_healthy' } } });
    const env = environment(services['elmo-testbed']);
    const parsed = TESTBED.load(env);
    expect(Object.keys(env).filter((k) => !NODE_RUNTIME_ENV.has(k) && !(k in parsed))).toEqual([]);
    expect(String(parsed.HTTP_PORT)).toBe(services['elmo-testbed'].build?.args.HTTP_PORT);
    // the simulator dials the ocpp service on its compose network name and port
    expect(services['cp-simulator'].command?.join(' ')).toContain(`ws://ocpp:${defaultPort(SERVICES.find((s) => s.name === 'ocpp')!.load)}/ocpp`);
  });

  it('names the same images as the Kubernetes manifests, built from this repository', () => {
    const dev = render(join(K8S_DIR, 'overlays/dev')).flatMap(containersOf).map((c) => String(c.image)).filter((i) => i.startsWith('cpo-platform/'));
    const composeImages = SERVICE_NAMES.map((n) => services[n].image);
    expect(composeImages.sort()).toEqual(dev.sort());
    const prod = render(join(K8S_DIR, 'overlays/prod')).flatMap(containersOf).map((c) => parseImage(String(c.image)).name);
    for (const n of SERVICE_NAMES) {
      expect(services[n].build).toMatchObject({ context: '.', args: { APP: n } });
      expect(prod.some((name) => name.endsWith(`/cpo-platform/${n}`))).toBe(true);
    }
    for (const [name, s] of Object.entries(services)) if (s.build) expect(s.image).toBe(`cpo-platform/${name}:dev`);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
  const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)].map((m) => ({ image: m[1], name: m[2] }));

  it('is multi-stage, and the runtime stage has no build tools, runs as non-root and has a healthcheck', () => {
    expect(stages.map((s) => s.name)).toEqual(['deps', 'build', 'prod-deps', 'runtime']);
    const runtime = dockerfile.slice(dockerfile.search(/^FROM \S+ AS runtime/m));
    expect(stages[3].image).toBe('${NODE_IMAGE}');
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:\d+-[a-z]+-slim$/m);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).not.toMatch(/^USER root/m);
    expect(runtime).toMatch(/COPY --from=prod-deps \/app\/node_modules/);
    expect(runtime).not.toMatch(/COPY --from=(deps|build) \/app\/node_modules/);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/health'/m);
  });

  it('builds every app compose builds, and only those', () => {
    const allowed = /case "\$\{APP\}" in ([a-z|-]+)\)/.exec(dockerfile)?.[1].split('|').sort();
    const built = Object.values(services).filter((s) => s.build).map((s) => s.build!.args.APP).sort();
    expect(allowed).toEqual(built);
  });

  it('its build-argument check accepts what docker compose and verify-images.sh pass, and rejects the rest', () => {
    // The RUN of the runtime stage that validates APP and HTTP_PORT, run by sh as docker runs it (build
    // arguments are environment variables of RUN). It once rejected every service ("ocpp:3002").
    const runtime = dockerfile.slice(dockerfile.search(/^FROM \S+ AS runtime/m));
    const check = /^RUN (case "\$\{APP\}"(?:.*\\\n)*.*)$/m.exec(runtime)?.[1].replace(/\\\n/g, '\n');
    expect(check).toBeDefined();
    const run = (APP: string, HTTP_PORT: string) => spawnSync('sh', ['-c', check!], { env: { PATH: process.env.PATH, APP, HTTP_PORT }, encoding: 'utf8' });
    for (const s of Object.values(services).filter((x) => x.build)) {
      const { APP, HTTP_PORT } = s.build!.args;
      expect({ APP, HTTP_PORT, status: run(APP, HTTP_PORT).status }).toEqual({ APP, HTTP_PORT, status: 0 });
    }
    for (const [APP, HTTP_PORT] of [['nope', '3002'], ['', '3002'], ['ocpp', ''], ['ocpp', '30a2'], ['planner', '3005 ']]) {
      const result = run(APP, HTTP_PORT);
      expect({ APP, HTTP_PORT, status: result.status }).toEqual({ APP, HTTP_PORT, status: 1 });
      expect(result.stderr).toMatch(/build with --build-arg/);
    }
  });

  it('builds without Docker Hub beyond the base image, and takes a proxy CA as a build secret only', () => {
    // a `# syntax=` directive makes every build pull docker/dockerfile from Docker Hub
    expect(dockerfile).not.toMatch(/^#\s*syntax\s*=/im);
    const installs = dockerfile.split(/\n(?=\S)/).filter((instruction) => instruction.startsWith('RUN') && /npm install/.test(instruction));
    expect(installs).toHaveLength(2);
    for (const install of installs) {
      expect(install).toMatch(/^RUN --mount=type=cache,target=\/root\/\.npm --mount=type=secret,id=npm_ca /);
      // removing a cache mount's target fails the build (it is a mount point) and empties the cache
      expect(install).not.toMatch(/rm -rf[^&;]*\/root\/\.npm/);
    }
    expect(dockerfile).not.toMatch(/^(ARG|ENV)\b.*(NODE_EXTRA_CA_CERTS|npm_ca)/m);
  });

  it('deploy/scripts/verify-images.sh builds and runs the images compose builds, with the same ports', () => {
    const script = readFileSync(join(REPO, 'deploy/scripts/verify-images.sh'), 'utf8');
    expect(spawnSync('bash', ['-n', join(REPO, 'deploy/scripts/verify-images.sh')]).status).toBe(0);
    expect(spawnSync('bash', ['-n', join(REPO, 'deploy/scripts/node-base-standin.sh')]).status).toBe(0);
    const apps = /^APPS="\$\{APPS:-([^}]*)\}"$/m.exec(script)?.[1].split(' ').sort();
    const built = Object.values(services).filter((s) => s.build);
    expect(apps).toEqual(built.map((s) => s.build!.args.APP).sort());
    const portOf = script.slice(script.indexOf('port_of() {'), script.indexOf('db_of()'));
    const ports = Object.fromEntries([...portOf.matchAll(/([a-z-]+)\) echo (\d+|"")/g)].map((m) => [m[1], m[2] === '""' ? '' : m[2]]));
    expect(ports).toEqual(Object.fromEntries(built.map((s) => [s.build!.args.APP, s.build!.args.HTTP_PORT])));
    for (const app of /^RUN_APPS="\$\{RUN_APPS:-([^}]*)\}"$/m.exec(script)![1].split(' ')) expect(SERVICE_NAMES).toContain(app);
  });

  it('.dockerignore keeps dependencies, build output, VCS data and local secrets out of the context', () => {
    const ignore = readFileSync(join(REPO, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', '.git', '.env', '.env.*', '.infra']) expect(ignore).toContain(entry);
  });
});
