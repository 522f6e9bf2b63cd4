import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Ajv } from 'ajv';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import type { Resource } from './kustomize.js';

/**
 * Validation against the Kubernetes OpenAPI schemas, offline: `kubernetes-models` ships validators
 * generated from the API server's OpenAPI document (and @kubernetes-models/prometheus-operator the
 * CRD schemas of ServiceMonitor and PrometheusRule).
 *
 * Those schemas allow unknown fields (so does the API server's schema; it is `kubectl`'s strict field
 * validation that rejects them). A typo such as `periodSecond` would therefore pass, so the data is
 * wrapped in proxies recording which fields the validator reads: the generated code reads every
 * field its schema declares, and enumerates the keys of free-form maps (labels, data), so a field
 * never read is one the schema does not know.
 */
type Validatable = { prototype: { validate(this: unknown): void } };

const MODELS: Record<string, Validatable> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

/**
 * No npm package ships the CloudNativePG CRDs, so its Cluster and ScheduledBackup are checked against
 * the subset of the CRDs (postgresql.cnpg.io/v1, CloudNativePG 1.2x API reference) this repository
 * (and the restore example of docs/operations.md) uses, strictly:
 * any other field fails until it is added here from the reference.
 */
const strict = (properties: Record<string, object>, required: string[] = []) => ({ type: 'object', additionalProperties: false, properties, required });
const quantity = { anyOf: [{ type: 'string', pattern: '^[0-9.]+(m|Ki|Mi|Gi|Ti|k|M|G|T)?$' }, { type: 'integer' }] };
const resources = strict({ requests: strict({ cpu: quantity, memory: quantity }), limits: strict({ cpu: quantity, memory: quantity }) });
const secretKey = strict({ name: { type: 'string' }, key: { type: 'string' } }, ['name', 'key']);
/** barmanObjectStore: of a Cluster's `backup`, and of an `externalClusters` entry to recover from. */
const barmanObjectStore = strict(
  {
    destinationPath: { type: 'string', pattern: '^(s3|gs|https?)://' },
    endpointURL: { type: 'string', pattern: '^https?://' },
    serverName: { type: 'string' },
    s3Credentials: strict({ accessKeyId: secretKey, secretAccessKey: secretKey, region: secretKey, sessionToken: secretKey, inheritFromIAMRole: { type: 'boolean' } }),
    wal: strict({ compression: { enum: ['gzip', 'bzip2', 'snappy'] }, encryption: { enum: ['AES256', 'aws:kms'] }, maxParallel: { type: 'integer', minimum: 1 } }),
    data: strict({ compression: { enum: ['gzip', 'bzip2', 'snappy'] }, encryption: { enum: ['AES256', 'aws:kms'] }, jobs: { type: 'integer', minimum: 1 }, immediateCheckpoint: { type: 'boolean' } }),
  },
  ['destinationPath'],
);
const cnpgCluster = strict(
  {
    apiVersion: { const: 'postgresql.cnpg.io/v1' },
    kind: { const: 'Cluster' },
    metadata: { type: 'object', required: ['name'] },
    spec: strict(
      {
        instances: { type: 'integer', minimum: 1 },
        imageName: { type: 'string' },
        primaryUpdateStrategy: { enum: ['unsupervised', 'supervised'] },
        enableSuperuserAccess: { type: 'boolean' },
        bootstrap: strict({
          initdb: strict({ database: { type: 'string' }, owner: { type: 'string' }, secret: strict({ name: { type: 'string' } }) }),
          recovery: strict(
            {
              source: { type: 'string' },
              database: { type: 'string' },
              owner: { type: 'string' },
              recoveryTarget: strict({ targetTime: { type: 'string' }, targetImmediate: { type: 'boolean' }, targetLSN: { type: 'string' }, targetName: { type: 'string' }, exclusive: { type: 'boolean' } }),
            },
            ['source'],
          ),
        }),
        externalClusters: { type: 'array', items: strict({ name: { type: 'string' }, barmanObjectStore }, ['name']) },
        postgresql: strict({ parameters: { type: 'object', additionalProperties: { type: 'string' } } }),
        storage: strict({ size: { type: 'string' }, storageClass: { type: 'string' } }, ['size']),
        resources,
        affinity: strict({ enablePodAntiAffinity: { type: 'boolean' }, topologyKey: { type: 'string' }, podAntiAffinityType: { enum: ['preferred', 'required'] } }),
        backup: strict(
          {
            retentionPolicy: { type: 'string', pattern: '^[1-9][0-9]*[dwm]$' },
            target: { enum: ['primary', 'prefer-standby'] },
            barmanObjectStore,
          },
          ['barmanObjectStore'],
        ),
      },
      ['instances', 'storage'],
    ),
  },
  ['apiVersion', 'kind', 'metadata', 'spec'],
);
/** ScheduledBackup (postgresql.cnpg.io/v1): six-field cron, seconds first. */
const cnpgScheduledBackup = strict(
  {
    apiVersion: { const: 'postgresql.cnpg.io/v1' },
    kind: { const: 'ScheduledBackup' },
    metadata: { type: 'object', required: ['name'] },
    spec: strict(
      {
        schedule: { type: 'string', pattern: '^\\S+( \\S+){5}$' },
        cluster: strict({ name: { type: 'string' } }, ['name']),
        method: { enum: ['barmanObjectStore', 'volumeSnapshot', 'plugin'] },
        backupOwnerReference: { enum: ['none', 'self', 'cluster'] },
        immediate: { type: 'boolean' },
        suspend: { type: 'boolean' },
        target: { enum: ['primary', 'prefer-standby'] },
      },
      ['schedule', 'cluster'],
    ),
  },
  ['apiVersion', 'kind', 'metadata', 'spec'],
);
const ajv = new Ajv({ allErrors: true });
const CNPG: Record<string, ReturnType<typeof ajv.compile>> = { Cluster: ajv.compile(cnpgCluster), ScheduledBackup: ajv.compile(cnpgScheduledBackup) };

/** Problems of one resource: unknown kind, schema violations, fields the schema does not declare. */
export function validateResource(r: Resource): string[] {
  const where = `${r.kind}/${r.metadata?.name}`;
  const cnpg = r.apiVersion === 'postgresql.cnpg.io/v1' ? CNPG[r.kind] : undefined;
  if (cnpg) return cnpg(r) ? [] : (cnpg.errors ?? []).map((e) => `${where}: ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  const model = MODELS[`${r.apiVersion}/${r.kind}`];
  if (!model) return [`${where}: no schema for ${r.apiVersion} ${r.kind} in the test suite (add its model to k8s-schema.ts)`];
  const seen: Recorded[] = [];
  try {
    model.prototype.validate.call(record(r, '', seen));
  } catch (err) {
    return [`${where}: ${(err as Error).message}`];
  }
  return seen.flatMap((o) => (o.enumerated ? [] : o.keys.filter((k) => !o.read.has(k)).map((k) => `${where}: unknown field ${o.path}.${k}`)));
}

interface Recorded {
  path: string;
  keys: string[];
  read: Set<string>;
  enumerated: boolean;
}

/** A deep copy of `value` whose objects note every property read, and whether their keys were listed. */
function record(value: unknown, path: string, seen: Recorded[]): unknown {
  if (Array.isArray(value)) return value.map((v, i) => record(v, `${path}[${i}]`, seen));
  if (typeof value !== 'object' || value === null) return value;
  const entry: Recorded = { path, keys: Object.keys(value), read: new Set(), enumerated: false };
  seen.push(entry);
  const target = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, record(v, `${path}.${k}`, seen)]));
  return new Proxy(target, {
    get(t, key) {
      if (typeof key === 'string') entry.read.add(key);
      return Reflect.get(t, key);
    },
    has(t, key) {
      if (typeof key === 'string') entry.read.add(key);
      return Reflect.has(t, key);
    },
    ownKeys(t) {
      entry.enumerated = true;
      return Reflect.ownKeys(t);
    },
  });
}
