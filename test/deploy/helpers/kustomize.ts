import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * A small kustomize, for tests that must run where no kustomize/kubectl binary exists (CI, a fresh
 * laptop). It implements only the features deploy/k8s uses, with kustomize's semantics and order
 * (patches → namespace → labels → images), and throws on anything else, so a kustomization that
 * starts using an unsupported feature fails the tests loudly instead of being rendered wrongly.
 * Checked against `kubectl kustomize` (kustomize v5.5) for every kustomization in deploy/k8s.
 */

export interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

type Obj = Record<string, unknown>;

const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'labels', 'resources', 'images', 'patches', 'configMapGenerator']);

/** Kinds without a namespace among those a platform like this could use. */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass', 'PriorityClass', 'IngressClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']);

/** Lists that strategic merge patches merge by `name` in built-in kinds (their patchMergeKey is name). */
const MERGE_BY_NAME = new Set(['containers', 'initContainers', 'env', 'volumes', 'imagePullSecrets']);

export const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

/** Parses every YAML document of a file, skipping empty ones (a file may start with a comment). */
export function readYamlDocuments(file: string): unknown[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).flatMap((doc) => {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS({ maxAliasCount: -1 }) as unknown;
    return value === null || value === undefined ? [] : [value];
  });
}

export const resourceId = (r: Pick<Resource, 'kind' | 'metadata'>) => `${r.kind}/${r.metadata.name}`;

/** Renders the kustomization in `dir`, like `kustomize build dir`. */
export function render(dir: string): Resource[] {
  const root = resolve(dir);
  const file = join(root, 'kustomization.yaml');
  if (!existsSync(file)) throw new Error(`${root}: no kustomization.yaml`);
  const [k] = readYamlDocuments(file) as Obj[];
  const unsupported = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length) throw new Error(`${file}: the test renderer does not implement ${unsupported.join(', ')}`);

  let resources: Resource[] = [];
  for (const entry of (k.resources as string[] | undefined) ?? []) {
    const path = join(root, entry);
    if (statSync(path).isDirectory()) resources.push(...render(path));
    else resources.push(...(readYamlDocuments(path) as Resource[]).map(assertResource(path)));
  }
  resources.push(...generateConfigMaps(root, (k.configMapGenerator as Obj[] | undefined) ?? []));
  const ids = resources.map(resourceId);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new Error(`${file}: ${duplicate} defined twice`);

  for (const p of (k.patches as Obj[] | undefined) ?? []) resources = applyPatch(root, resources, p);
  if (typeof k.namespace === 'string') {
    for (const r of resources) if (!CLUSTER_SCOPED.has(r.kind)) r.metadata.namespace = k.namespace;
  }
  for (const l of (k.labels as Obj[] | undefined) ?? []) applyLabels(file, resources, l);
  for (const image of (k.images as Obj[] | undefined) ?? []) applyImage(resources, image);
  return resources;
}

function assertResource(file: string) {
  return (r: Resource): Resource => {
    if (!isObject(r) || typeof r.apiVersion !== 'string' || typeof r.kind !== 'string' || typeof r.metadata?.name !== 'string') {
      throw new Error(`${file}: a document without apiVersion, kind and metadata.name`);
    }
    return r;
  };
}

function generateConfigMaps(root: string, generators: Obj[]): Resource[] {
  return generators.map((g) => {
    const options = (g.options ?? {}) as Obj;
    // The hash suffix renames the ConfigMap and every reference to it; nothing here needs it.
    if (options.disableNameSuffixHash !== true) throw new Error(`configMapGenerator ${String(g.name)}: only disableNameSuffixHash: true is implemented`);
    const extra = Object.keys(g).filter((key) => !['name', 'files', 'options'].includes(key));
    if (extra.length) throw new Error(`configMapGenerator ${String(g.name)}: ${extra.join(', ')} not implemented`);
    const data: Record<string, string> = {};
    for (const f of g.files as string[]) {
      if (f.includes('=')) throw new Error(`configMapGenerator ${String(g.name)}: key=file is not implemented`);
      data[basename(f)] = readFileSync(join(root, f), 'utf8');
    }
    const labels = options.labels as Record<string, string> | undefined;
    return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: String(g.name), ...(labels ? { labels: { ...labels } } : {}) }, data };
  });
}

function applyPatch(root: string, resources: Resource[], entry: Obj): Resource[] {
  if (entry.target !== undefined || entry.options !== undefined) throw new Error('patches: target and options are not implemented');
  const docs = typeof entry.path === 'string' ? readYamlDocuments(join(root, entry.path)) : readYamlDocumentsFromText(String(entry.patch));
  for (const patch of docs as Resource[]) {
    const index = resources.findIndex((r) => r.kind === patch.kind && sameGroup(r.apiVersion, patch.apiVersion) && r.metadata.name === patch.metadata?.name);
    if (index < 0) throw new Error(`no resource matches the patch ${patch.kind}/${patch.metadata?.name} (${String(entry.path ?? 'inline')})`);
    if ((patch as Obj)['$patch'] === 'delete') {
      resources = resources.filter((_, i) => i !== index);
      continue;
    }
    const { apiVersion: _a, kind: _k, ...body } = patch;
    resources[index] = strategicMerge(resources[index], body, isBuiltIn(patch.apiVersion)) as Resource;
  }
  return resources;
}

function readYamlDocumentsFromText(text: string): unknown[] {
  return parseAllDocuments(text).flatMap((d) => {
    const v = d.toJS() as unknown;
    return v == null ? [] : [v];
  });
}

const group = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');
const sameGroup = (a: string, b: string) => group(a) === group(b);
/** Built-in kinds have patch merge keys; custom resources are merged like JSON merge patches. */
const isBuiltIn = (apiVersion: string) => !group(apiVersion).includes('.') || group(apiVersion).endsWith('.k8s.io');

/**
 * Strategic merge patch: maps merge key by key, `null` deletes, lists of named items (containers,
 * env, volumes) merge by name in built-in kinds, every other list is replaced.
 */
export function strategicMerge(target: unknown, patch: unknown, builtIn: boolean, field = ''): unknown {
  if (isObject(patch)) {
    if (patch['$patch'] !== undefined) throw new Error(`$patch: ${String(patch['$patch'])} inside ${field || 'a resource'} is not implemented`);
    const out: Obj = isObject(target) ? clone(target) : {};
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete out[key];
      else out[key] = strategicMerge(out[key], value, builtIn, key);
    }
    return out;
  }
  if (Array.isArray(patch) && builtIn && MERGE_BY_NAME.has(field) && Array.isArray(target)) {
    // kustomize's order: the patch's items (merged into their originals) first, then the rest.
    const original = target as Obj[];
    const merged = (patch as Obj[]).map((item) => {
      if (!isObject(item) || typeof item.name !== 'string') throw new Error(`${field}: patch items need a name`);
      const match = original.find((o) => o.name === item.name);
      return match ? (strategicMerge(match, item, builtIn) as Obj) : clone(item);
    });
    const named = new Set(merged.map((m) => m.name));
    return [...merged, ...clone(original.filter((o) => !named.has(o.name)))];
  }
  return clone(patch);
}

function applyLabels(file: string, resources: Resource[], entry: Obj): void {
  if (entry.includeSelectors !== false || entry.includeTemplates !== undefined) {
    throw new Error(`${file}: labels are implemented with includeSelectors: false and no includeTemplates only`);
  }
  for (const r of resources) r.metadata.labels = { ...r.metadata.labels, ...(entry.pairs as Record<string, string>) };
}

/** Every container list of the pod templates the images transformer rewrites. */
export function containersOf(r: Resource): Obj[] {
  const podSpecs: unknown[] = [];
  const spec = r.spec as Obj | undefined;
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(r.kind)) podSpecs.push((spec?.template as Obj | undefined)?.spec);
  if (r.kind === 'CronJob') podSpecs.push((((spec?.jobTemplate as Obj)?.spec as Obj)?.template as Obj)?.spec);
  if (r.kind === 'Pod') podSpecs.push(spec);
  return podSpecs.filter(isObject).flatMap((s) => [...((s.initContainers as Obj[]) ?? []), ...((s.containers as Obj[]) ?? [])]);
}

/** Splits `registry/name:tag@digest` into the name kustomize matches on and the rest. */
export function parseImage(image: string): { name: string; tag?: string; digest?: string } {
  const [beforeDigest, digest] = image.split('@');
  const slash = beforeDigest.lastIndexOf('/');
  const colon = beforeDigest.lastIndexOf(':');
  if (colon > slash) return { name: beforeDigest.slice(0, colon), tag: beforeDigest.slice(colon + 1), digest };
  return { name: beforeDigest, digest };
}

function applyImage(resources: Resource[], entry: Obj): void {
  for (const r of resources) {
    for (const c of containersOf(r)) {
      const current = parseImage(String(c.image));
      if (current.name !== entry.name) continue;
      const name = (entry.newName as string | undefined) ?? current.name;
      if (entry.digest) c.image = `${name}@${String(entry.digest)}`;
      else if (entry.newTag !== undefined) c.image = `${name}:${String(entry.newTag)}`;
      else c.image = `${name}${current.tag ? `:${current.tag}` : ''}${current.digest ? `@${current.digest}` : ''}`;
    }
  }
}

/** deploy/k8s, wherever the tests run from. */
export const K8S_DIR = resolve(dirname(new URL(import.meta.url).pathname), '../../../deploy/k8s');
