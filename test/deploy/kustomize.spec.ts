import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { K8S_DIR, parseImage, render, resourceId, type Resource } from './helpers/kustomize.js';

// The tests of deploy/k8s render the kustomizations with helpers/kustomize.ts; this proves that
// renderer does what kustomize does for the features the manifests use, and refuses the others.

let dir: string;
const write = (path: string, text: string) => {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), text);
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kustomize-spec-'));
  write(
    'base/app.yaml',
    `apiVersion: apps/v1
kind: Deployment
metadata: { name: app }
spec:
  replicas: 2
  selector: { matchLabels: { app: a } }
  template:
    metadata: { labels: { app: a } }
    spec:
      containers:
        - name: app
          image: cpo/app
          env: [{ name: A, value: "1" }, { name: B, value: "2" }]
          resources: { requests: { cpu: 100m } }
        - name: sidecar
          image: other/sidecar:1.0
---
apiVersion: v1
kind: Secret
metadata: { name: s }
stringData: { K: v }
`,
  );
  write('base/kustomization.yaml', 'resources: [app.yaml]\nimages: [{ name: cpo/app, newTag: dev }]\nlabels: [{ pairs: { part: x }, includeSelectors: false }]\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the test renderer', () => {
  it('applies patches, then namespace, labels and images, like kustomize', () => {
    write(
      'overlay/patch.yaml',
      `apiVersion: apps/v1
kind: Deployment
metadata: { name: app }
spec:
  replicas: null
  template:
    spec:
      containers:
        - name: app
          env: [{ name: B, value: "3" }, { name: C, value: "4" }]
          resources: { limits: { memory: 1Gi } }
`,
    );
    write(
      'overlay/kustomization.yaml',
      `namespace: prod
resources: [../base]
images: [{ name: cpo/app, newName: registry.example.com/cpo/app, newTag: "1.2" }]
patches:
  - path: patch.yaml
  - patch: |-
      $patch: delete
      apiVersion: v1
      kind: Secret
      metadata: { name: s }
`,
    );
    const [d, ...rest] = render(join(dir, 'overlay'));
    expect(rest).toEqual([]);
    expect(d.metadata).toEqual({ name: 'app', namespace: 'prod', labels: { part: 'x' } });
    const spec = d.spec as { replicas?: number; template: { spec: { containers: Record<string, unknown>[] } } };
    expect(spec.replicas).toBeUndefined();
    const [app, sidecar] = spec.template.spec.containers;
    expect(app.image).toBe('registry.example.com/cpo/app:1.2');
    expect(app.env).toEqual([{ name: 'B', value: '3' }, { name: 'C', value: '4' }, { name: 'A', value: '1' }]);
    expect(app.resources).toEqual({ requests: { cpu: '100m' }, limits: { memory: '1Gi' } });
    expect(sidecar.image).toBe('other/sidecar:1.0');
  });

  it('generates ConfigMaps from files', () => {
    write('g/dash.json', '{"a":1}\n');
    write('g/kustomization.yaml', 'configMapGenerator:\n  - name: d\n    files: [dash.json]\n    options: { disableNameSuffixHash: true, labels: { l: "1" } }\n');
    expect(render(join(dir, 'g'))).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'd', labels: { l: '1' } }, data: { 'dash.json': '{"a":1}\n' } }]);
  });

  it('refuses what it does not implement and patches that match nothing', () => {
    write('o1/kustomization.yaml', 'resources: [../base]\nreplicas: [{ name: app, count: 3 }]\n');
    expect(() => render(join(dir, 'o1'))).toThrow(/does not implement replicas/);
    write('o2/kustomization.yaml', 'resources: [../base]\npatches: [{ patch: "apiVersion: v1\\nkind: Secret\\nmetadata: { name: nope }" }]\n');
    expect(() => render(join(dir, 'o2'))).toThrow(/no resource matches the patch Secret\/nope/);
    write('o3/kustomization.yaml', 'configMapGenerator: [{ name: x, files: [] }]\n');
    expect(() => render(join(dir, 'o3'))).toThrow(/disableNameSuffixHash/);
  });

  it('parses image references the way kustomize matches them', () => {
    expect(parseImage('registry:5000/cpo/app:1.0')).toEqual({ name: 'registry:5000/cpo/app', tag: '1.0', digest: undefined });
    expect(parseImage('registry:5000/cpo/app')).toEqual({ name: 'registry:5000/cpo/app', digest: undefined });
    expect(parseImage('cpo/app@sha256:abc')).toEqual({ name: 'cpo/app', digest: 'sha256:abc' });
  });
});

// Where a kustomize is installed (kubectl ships one), the renderer must produce exactly its output
// for every kustomization of deploy/k8s. CI machines without one still run everything above.
const kubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const KUSTOMIZATIONS = ['base', 'nats', 'databases', 'dev-services', 'monitoring', 'overlays/dev', 'overlays/prod'];

(kubectl ? describe : describe.skip)('the test renderer against `kubectl kustomize`', () => {
  it.each(KUSTOMIZATIONS)('renders %s exactly as kustomize does', (k) => {
    const out = execFileSync('kubectl', ['kustomize', join(K8S_DIR, k)], { encoding: 'utf8' });
    const real = parseAllDocuments(out).map((d) => d.toJS() as Resource).filter(Boolean);
    const mine = render(join(K8S_DIR, k));
    const byId = (rs: Resource[]) => Object.fromEntries(rs.map((r) => [resourceId(r), r]));
    expect(byId(mine)).toEqual(byId(real));
  });
});
