import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { validateResource } from './helpers/k8s-schema.js';
import { containersOf, K8S_DIR, readYamlDocuments, render, type Resource } from './helpers/kustomize.js';
import { byKind, defaultPort, find, platformRoutes, SERVICE_NAMES, SERVICES } from './helpers/platform.js';

type Obj = Record<string, unknown>;
const KUSTOMIZATIONS = ['base', 'nats', 'databases', 'dev-services', 'monitoring', 'overlays/dev', 'overlays/prod'];
const OVERLAYS = ['overlays/dev', 'overlays/prod'];
const rendered = Object.fromEntries(KUSTOMIZATIONS.map((k) => [k, render(join(K8S_DIR, k))]));
const podSpec = (r: Resource) => ((r.spec as Obj).template as Obj).spec as Obj;
const podLabels = (r: Resource) => (((r.spec as Obj).template as Obj).metadata as Obj).labels as Record<string, string>;

describe('every manifest', () => {
  it.each(KUSTOMIZATIONS)('%s renders and validates against the Kubernetes schemas, with no unknown field', (k) => {
    expect(rendered[k].length).toBeGreaterThan(0);
    expect(rendered[k].flatMap(validateResource)).toEqual([]);
  });

  it('is used: every file under deploy/k8s is a resource, patch or generator input of a kustomization', () => {
    const all = (dir: string): string[] => readdirSync(dir).flatMap((e) => (statSync(join(dir, e)).isDirectory() ? all(join(dir, e)) : [join(dir, e)]));
    const used = new Set<string>();
    for (const file of all(K8S_DIR).filter((f) => f.endsWith('kustomization.yaml'))) {
      const dir = join(file, '..');
      const [k] = readYamlDocuments(file) as Obj[];
      used.add(file);
      for (const r of (k.resources as string[]) ?? []) used.add(join(dir, r));
      for (const p of (k.patches as Obj[]) ?? []) if (typeof p.path === 'string') used.add(join(dir, p.path));
      for (const g of (k.configMapGenerator as Obj[]) ?? []) for (const f of g.files as string[]) used.add(join(dir, f));
    }
    // documentation and a Prometheus scrape snippet (not a Kubernetes resource) are the exceptions
    const unused = all(K8S_DIR).filter((f) => !used.has(f) && !f.endsWith('.md') && !f.endsWith('monitoring/scrape-config.yaml'));
    expect(unused.map((f) => relative(K8S_DIR, f))).toEqual([]);
  });
});

describe.each(OVERLAYS)('%s: the five services', (overlay) => {
  const resources = rendered[overlay];
  const routes = platformRoutes();

  it.each(SERVICES.map((s) => [s.name, s] as const))('%s: probes hit real endpoints on the port the service listens on', (name, service) => {
    const deployment = find(resources, 'Deployment', name);
    const [container, ...others] = podSpec(deployment).containers as Obj[];
    expect(others).toEqual([]);
    const port = defaultPort(service.load);
    expect(container.ports).toEqual([{ name: 'http', containerPort: port }]);
    // HTTP_PORT, when the ConfigMap sets it, must agree with the port the probes and Service use
    expect(find(resources, 'ConfigMap', `${name}-config`).data).toMatchObject({ HTTP_PORT: String(port) });
    const probe = (kind: string) => (container[kind] as Obj | undefined)?.httpGet as Obj | undefined;
    expect(probe('startupProbe')).toEqual({ path: '/health/ready', port: 'http' });
    expect(probe('readinessProbe')).toEqual({ path: '/health/ready', port: 'http' });
    expect(probe('livenessProbe')).toEqual({ path: '/health', port: 'http' });
    for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(routes).toContain(probe(kind)?.path);
    const annotations = (((deployment.spec as Obj).template as Obj).metadata as Obj).annotations as Obj;
    expect(annotations).toMatchObject({ 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics' });
    expect(routes).toContain(annotations['prometheus.io/path']);
  });

  it.each(SERVICE_NAMES)('%s: runs as non-root with resources, a Service, a PDB and safe rollouts', (name) => {
    const deployment = find(resources, 'Deployment', name);
    const spec = podSpec(deployment);
    const [container] = spec.containers as Obj[];
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    expect(container.resources).toMatchObject({ requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { memory: expect.any(String) } });
    // migrations run at boot under an advisory lock: a surge pod migrates while the old ones serve
    expect((deployment.spec as Obj).strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    const service = find(resources, 'Service', name);
    expect((service.spec as Obj).selector).toEqual({ 'app.kubernetes.io/name': name });
    expect(podLabels(deployment)).toMatchObject((service.spec as Obj).selector as Obj);
    expect((service.spec as Obj).ports).toEqual([{ name: 'http', port: defaultPort(SERVICES.find((s) => s.name === name)!.load), targetPort: 'http' }]);
    const pdb = find(resources, 'PodDisruptionBudget', name);
    expect(((pdb.spec as Obj).selector as Obj).matchLabels).toEqual({ 'app.kubernetes.io/name': name });
  });

  it('autoscales ocpp and rems-ingest, whose Deployments leave replicas to the HPA', () => {
    const hpas = byKind(resources, 'HorizontalPodAutoscaler');
    expect(hpas.map((h) => ((h.spec as Obj).scaleTargetRef as Obj).name).sort()).toEqual(['ocpp', 'rems-ingest']);
    for (const hpa of hpas) {
      const target = (hpa.spec as Obj).scaleTargetRef as Obj;
      expect(target).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment' });
      expect((find(resources, 'Deployment', String(target.name)).spec as Obj).replicas).toBeUndefined();
      expect(Number((hpa.spec as Obj).maxReplicas)).toBeGreaterThan(Number((hpa.spec as Obj).minReplicas));
    }
  });

  it('exposes the OCPP WebSocket, OSCP and OCPI over TLS through the Ingress, and no operator API', () => {
    const ingress = find(resources, 'Ingress', 'cpo-platform');
    const spec = ingress.spec as { tls: { hosts: string[] }[]; rules: { host: string; http: { paths: { path: string; backend: { service: { name: string; port: Obj } } }[] } }[] };
    const backends = spec.rules.flatMap((r) => r.http.paths.map((p) => ({ host: r.host, path: p.path, service: p.backend.service.name, port: p.backend.service.port })));
    expect(backends).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: '/ocpp', service: 'ocpp' }),
      expect.objectContaining({ path: '/oscp/fp', service: 'oscp' }),
      expect.objectContaining({ path: '/ocpi', service: 'ocpi-hub' }),
      expect.objectContaining({ path: '/api/v1/device', service: 'rems-ingest' }),
    ]));
    const tlsHosts = spec.tls.flatMap((t) => t.hosts);
    for (const b of backends) {
      expect(tlsHosts).toContain(b.host);
      expect(b.port).toEqual({ name: 'http' });
      expect(resources.some((r) => r.kind === 'Service' && r.metadata.name === b.service)).toBe(true);
      expect(b.path).not.toMatch(/^\/(docs|metrics|health)|^\/api\/v1\/?$/);
    }
  });

  it('runs the engines: a 3-node NATS JetStream cluster and one PostgreSQL cluster per service', () => {
    const nats = find(resources, 'StatefulSet', 'nats');
    expect((nats.spec as Obj).replicas).toBe(3);
    const conf = (find(resources, 'ConfigMap', 'nats-config').data as Record<string, string>)['nats.conf'];
    expect(conf).toMatch(/jetstream \{[\s\S]*cluster \{[\s\S]*nats-2\.nats-headless/);
    expect(find(resources, 'ConfigMap', 'ocpp-config').data).toMatchObject({ NATS_STREAM_REPLICAS: '3', NATS_URL: 'nats://nats:4222' });
    const clusters = byKind(resources, 'Cluster');
    expect(clusters.map((c) => c.metadata.name).sort()).toEqual(SERVICE_NAMES.map((n) => `${n}-db`).sort());
    for (const s of SERVICES) {
      expect((find(resources, 'Cluster', `${s.name}-db`).spec as Obj).bootstrap).toEqual({ initdb: { database: s.database, owner: s.database } });
    }
  });
});

// NetworkPolicies: network-policies.spec.ts

describe('overlays', () => {
  it('dev runs the images docker compose builds; prod pins released images from a registry', () => {
    const images = (rs: Resource[]) => rs.flatMap(containersOf).map((c) => String(c.image)).filter((i) => i.includes('cpo-platform/'));
    expect(images(rendered['overlays/dev']).sort()).toEqual(SERVICE_NAMES.map((n) => `cpo-platform/${n}:dev`).sort());
    for (const image of images(rendered['overlays/prod'])) expect(image).toMatch(/^[a-z0-9.-]+\.[a-z]+\/cpo-platform\/[a-z-]+:\d+\.\d+\.\d+$/);
  });

  it('prod applies no Secret from git and no dev-only engine', () => {
    const prod = rendered['overlays/prod'];
    expect(byKind(prod, 'Secret')).toEqual([]);
    expect(prod.filter((r) => ['redis', 'mosquitto'].includes(r.metadata.name))).toEqual([]);
    expect(byKind(prod, 'Cluster').every((c) => (c.spec as Obj).instances === 3)).toBe(true);
  });

  it('dev and the base keep the base Secret templates unusable (placeholders the services reject)', () => {
    for (const s of byKind(rendered.base, 'Secret')) for (const v of Object.values(s.stringData as Obj)) expect(v).toBe('CHANGE-ME');
    for (const s of byKind(rendered['overlays/dev'], 'Secret')) for (const v of Object.values(s.stringData as Obj)) expect(v).not.toBe('CHANGE-ME');
  });
});
