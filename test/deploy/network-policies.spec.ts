import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { K8S_DIR, render, type Resource } from './helpers/kustomize.js';
import { connectionAllowed, egressAllowed, inCidr, ingressAllowed, matches, podOf, policyTypes, type Pod } from './helpers/network-policy.js';
import { byKind, find, REPO, SERVICE_NAMES } from './helpers/platform.js';

// The NetworkPolicies of the rendered overlays, evaluated: which pod may open which port on which
// peer. A policy that is missing, selects the wrong pods or names the wrong port fails here.

type Obj = Record<string, unknown>;
const OVERLAYS = ['overlays/dev', 'overlays/prod'];
/** The services that call partners on the Internet: oscp (the capacity provider), ocpi-hub (roaming). */
const PARTNER_FACING = ['oscp', 'ocpi-hub'];
/**
 * Where the prod overlay's example hosts (overlays/prod/config.yaml) would resolve: addresses inside
 * the example ranges of overlays/prod/network-policies.yaml. A new external host must be added here.
 */
const EXTERNAL_HOSTS: Record<string, string> = { 'redis.example.internal': '192.0.2.10', 'mqtt.example.com': '198.51.100.20' };
const DEFAULT_PORTS: Record<string, number> = { nats: 4222, tls: 4222, redis: 6379, rediss: 6379, mqtt: 1883, mqtts: 8883 };
const PUBLIC_IPS = ['1.1.1.1', '203.0.113.50', '52.94.236.248'];
const INTERNAL_IPS = ['10.96.0.1', '172.20.0.10', '192.168.1.20', '169.254.169.254', '100.64.0.1', '127.0.0.1'];

/** Source files of an app (no tests), to see which apps open outbound HTTP connections. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const path = join(dir, e);
    if (statSync(path).isDirectory()) return e === 'test' ? [] : sources(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('the services that call out over HTTP', () => {
  it('are exactly the ones given Internet egress (a new outbound client needs a policy too)', () => {
    const callers = SERVICE_NAMES.filter((app) => sources(join(REPO, 'apps', app, 'src')).some((f) => /\bfetch\(|\bhttps?\.(request|get)\(|from 'undici'/.test(readFileSync(f, 'utf8'))));
    expect(callers.sort()).toEqual([...PARTNER_FACING].sort());
  });
});

describe('the NetworkPolicy evaluator', () => {
  const policy = (name: string, spec: Obj): Resource => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'ns' }, spec });
  const a: Pod = { namespace: 'ns', labels: { app: 'a' } };
  const b: Pod = { namespace: 'ns', labels: { app: 'b' }, ports: { http: 8080 } };
  const bElsewhere: Pod = { namespace: 'other', labels: { app: 'b' }, ports: { http: 8080 } };
  const denyEgress = policy('deny', { podSelector: {}, policyTypes: ['Egress'] });

  it('allows everything until a policy of that direction selects the pod', () => {
    expect(connectionAllowed([], a, b, { port: 1 })).toBe(true);
    expect(connectionAllowed([policy('i', { podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'] })], a, b, { port: 1 })).toBe(false);
    expect(egressAllowed([denyEgress], a, { pod: b }, { port: 8080 })).toBe(false);
    expect(ingressAllowed([denyEgress], { pod: a }, b, { port: 8080 })).toBe(true);
  });

  it('adds policies up, matches named ports, protocols and namespaces', () => {
    const toB = policy('to-b', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'b' } } }], ports: [{ port: 'http' }] }] });
    expect(egressAllowed([denyEgress, toB], a, { pod: b }, { port: 8080 })).toBe(true);
    expect(egressAllowed([denyEgress, toB], a, { pod: b }, { port: 8081 })).toBe(false);
    expect(egressAllowed([denyEgress, toB], a, { pod: b }, { port: 8080, protocol: 'UDP' })).toBe(false);
    expect(egressAllowed([denyEgress, toB], a, { pod: bElsewhere }, { port: 8080 })).toBe(false);
    const toOther = policy('to-other', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'other' } }, podSelector: { matchLabels: { app: 'b' } } }] }] });
    expect(egressAllowed([toOther], a, { pod: bElsewhere }, { port: 1 })).toBe(true);
    expect(egressAllowed([toOther], a, { pod: { ...bElsewhere, labels: { app: 'c' } } }, { port: 1 })).toBe(false);
    expect(egressAllowed([toOther], a, { pod: b }, { port: 1 })).toBe(false);
  });

  it('matches addresses with ipBlock and its exceptions, never pods', () => {
    const web = policy('web', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }], ports: [{ port: 443 }] }] });
    expect(egressAllowed([web], a, { ip: '1.1.1.1' }, { port: 443 })).toBe(true);
    expect(egressAllowed([web], a, { ip: '10.1.2.3' }, { port: 443 })).toBe(false);
    expect(egressAllowed([web], a, { pod: b }, { port: 443 })).toBe(false);
    expect(inCidr('192.0.2.255', '192.0.2.0/24')).toBe(true);
    expect(inCidr('192.0.3.0', '192.0.2.0/24')).toBe(false);
  });

  it('evaluates label selector expressions', () => {
    expect(matches({ matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 'b'] }] }, { app: 'b' })).toBe(true);
    expect(matches({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['a'] }] }, { app: 'a' })).toBe(false);
    expect(matches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, {})).toBe(false);
    expect(matches({}, { any: 'thing' })).toBe(true);
  });
});

describe.each(OVERLAYS)('%s: NetworkPolicies', (overlay) => {
  const resources = render(join(K8S_DIR, overlay));
  const policies = byKind(resources, 'NetworkPolicy');
  const service = (name: string) => podOf(find(resources, 'Deployment', name));
  const namespace = service('ocpp').namespace;
  const database = (app: string): Pod => ({ namespace, labels: { 'cnpg.io/cluster': `${app}-db`, 'cnpg.io/instanceRole': 'primary', 'cnpg.io/podRole': 'instance' } });
  const nats = podOf(find(resources, 'StatefulSet', 'nats'));
  const dns: Pod = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
  const stranger: Pod = { namespace, labels: { 'app.kubernetes.io/name': 'debug-shell' } };
  const env = (app: string) => (find(resources, 'ConfigMap', `${app}-config`).data ?? {}) as Record<string, string>;

  /** The pods behind `host:port` (a Service of the overlay), or the external address it resolves to. */
  function destination(host: string, port: number): { pod: Pod; port: number } | { ip: string; port: number } {
    const svc = resources.find((r) => r.kind === 'Service' && r.metadata.name === host);
    if (!svc) {
      if (!EXTERNAL_HOSTS[host]) throw new Error(`${overlay}: ${host} is neither a Service of the overlay nor in EXTERNAL_HOSTS`);
      return { ip: EXTERNAL_HOSTS[host], port };
    }
    const spec = svc.spec as { selector: Record<string, string>; ports: { port: number; targetPort?: number | string }[] };
    const workload = resources.find((r) => ['Deployment', 'StatefulSet'].includes(r.kind) && matches({ matchLabels: spec.selector }, podOf(r).labels));
    if (!workload) throw new Error(`${overlay}: Service ${host} selects no pod`);
    const pod = podOf(workload);
    const servicePort = spec.ports.find((p) => p.port === port);
    if (!servicePort) throw new Error(`${overlay}: Service ${host} has no port ${port}`);
    const target = servicePort.targetPort ?? port;
    return { pod, port: typeof target === 'string' ? pod.ports![target] : target };
  }

  it('isolates the egress of every service: a default deny selects its pods', () => {
    for (const app of SERVICE_NAMES) {
      const pods = service(app);
      const denies = policies.filter((p) => policyTypes(p).includes('Egress') && !(p.spec as Obj).egress && matches((p.spec as Obj).podSelector, pods.labels));
      expect({ app, defaultDeny: denies.length > 0 }).toEqual({ app, defaultDeny: true });
      expect({ app, stranger: egressAllowed(policies, pods, { pod: stranger }, { port: 8080 }) }).toEqual({ app, stranger: false });
      for (const other of SERVICE_NAMES.filter((o) => o !== app)) {
        expect({ app, other, allowed: egressAllowed(policies, pods, { pod: service(other) }, { port: service(other).ports!.http }) }).toEqual({ app, other, allowed: false });
      }
    }
  });

  it('lets every service resolve names (cluster DNS, UDP and TCP 53) and reach nothing else in kube-system', () => {
    for (const app of SERVICE_NAMES) {
      const pods = service(app);
      expect({ app, udp: egressAllowed(policies, pods, { pod: dns }, { port: 53, protocol: 'UDP' }), tcp: egressAllowed(policies, pods, { pod: dns }, { port: 53 }) }).toEqual({ app, udp: true, tcp: true });
      expect(egressAllowed(policies, pods, { pod: dns }, { port: 9153 })).toBe(false);
      expect(egressAllowed(policies, pods, { pod: { namespace: 'kube-system', labels: { component: 'etcd' } } }, { port: 53, protocol: 'UDP' })).toBe(false);
      expect(egressAllowed(policies, pods, { pod: { ...dns, namespace } }, { port: 53, protocol: 'UDP' })).toBe(false);
    }
  });

  it('each database is reachable only by its own service: its ingress and the services’ egress both say so', () => {
    for (const db of SERVICE_NAMES) {
      for (const app of SERVICE_NAMES) {
        const from = service(app);
        const to = database(db);
        expect({ app, db, egress: egressAllowed(policies, from, { pod: to }, { port: 5432 }), ingress: ingressAllowed(policies, { pod: from }, to, { port: 5432 }) }).toEqual({
          app,
          db,
          egress: app === db,
          ingress: app === db,
        });
      }
      // only PostgreSQL: not the instance manager (8000) or the metrics (9187) of its own cluster
      expect(egressAllowed(policies, service(db), { pod: database(db) }, { port: 8000 })).toBe(false);
      expect(egressAllowed(policies, service(db), { pod: database(db) }, { port: 9187 })).toBe(false);
    }
  });

  it('every service reaches the NATS client port, not its cluster routes; nothing else in the namespace reaches a service', () => {
    for (const app of SERVICE_NAMES) {
      const pods = service(app);
      expect({ app, client: connectionAllowed(policies, pods, nats, { port: 4222 }), routes: egressAllowed(policies, pods, { pod: nats }, { port: 6222 }) }).toEqual({ app, client: true, routes: false });
      for (const other of SERVICE_NAMES) {
        expect({ other, app, allowed: ingressAllowed(policies, { pod: service(other) }, pods, { port: pods.ports!.http }) }).toEqual({ other, app, allowed: false });
      }
    }
  });

  it('every service can open each connection its configuration names (NATS_URL, REDIS_URL, MQTT_URL)', () => {
    const checked: string[] = [];
    for (const app of SERVICE_NAMES) {
      const pods = service(app);
      for (const key of ['NATS_URL', 'REDIS_URL', 'MQTT_URL']) {
        for (const raw of (env(app)[key] ?? '').split(',').filter(Boolean)) {
          const url = new URL(raw.trim());
          const scheme = url.protocol.replace(/:$/, '');
          const to = destination(url.hostname, url.port ? Number(url.port) : DEFAULT_PORTS[scheme]);
          const allowed = 'pod' in to ? connectionAllowed(policies, pods, to.pod, { port: to.port }) : egressAllowed(policies, pods, { ip: to.ip }, { port: to.port });
          expect({ app, key, url: raw, allowed }).toEqual({ app, key, url: raw, allowed: true });
          checked.push(`${app} ${key}`);
        }
      }
    }
    expect(checked).toEqual(expect.arrayContaining([...SERVICE_NAMES.flatMap((a) => [`${a} NATS_URL`, `${a} REDIS_URL`]), 'rems-ingest MQTT_URL']));
  });

  it('only rems-ingest reaches the MQTT broker', () => {
    const mqtt = new URL(env('rems-ingest').MQTT_URL);
    const to = destination(mqtt.hostname, mqtt.port ? Number(mqtt.port) : DEFAULT_PORTS[mqtt.protocol.replace(/:$/, '')]);
    for (const app of SERVICE_NAMES) {
      const allowed = egressAllowed(policies, service(app), 'pod' in to ? { pod: to.pod } : { ip: to.ip }, { port: to.port });
      expect({ app, allowed }).toEqual({ app, allowed: app === 'rems-ingest' });
    }
  });

  it('only oscp and ocpi-hub reach the Internet, on 443 and 80, and never private, link-local or loopback addresses', () => {
    for (const app of SERVICE_NAMES) {
      const pods = service(app);
      for (const ip of PUBLIC_IPS) {
        for (const port of [443, 80]) expect({ app, ip, port, allowed: egressAllowed(policies, pods, { ip }, { port }) }).toEqual({ app, ip, port, allowed: PARTNER_FACING.includes(app) });
        expect({ app, ip, ssh: egressAllowed(policies, pods, { ip }, { port: 22 }) }).toEqual({ app, ip, ssh: false });
      }
      for (const ip of INTERNAL_IPS) expect({ app, ip, allowed: egressAllowed(policies, pods, { ip }, { port: 443 }) || egressAllowed(policies, pods, { ip }, { port: 80 }) }).toEqual({ app, ip, allowed: false });
    }
  });
});
