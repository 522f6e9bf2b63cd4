import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { validateResource } from './helpers/k8s-schema.js';
import { K8S_DIR, render, type Resource } from './helpers/kustomize.js';
import { byKind, find, REPO, SERVICE_NAMES } from './helpers/platform.js';

// Backups of the PostgreSQL clusters (CloudNativePG) in production, and the restore procedure of
// docs/operations.md checked against the clusters it restores.

interface ObjectStore {
  destinationPath: string;
  serverName?: string;
  s3Credentials: { accessKeyId: { name: string; key: string }; secretAccessKey: { name: string; key: string } };
}
interface ClusterSpec {
  instances: number;
  bootstrap: { initdb?: { database: string; owner: string }; recovery?: { source: string; database?: string; owner?: string } };
  backup?: { retentionPolicy?: string; barmanObjectStore: ObjectStore };
  externalClusters?: { name: string; barmanObjectStore?: ObjectStore }[];
  [field: string]: unknown;
}
const spec = (r: Resource) => r.spec as ClusterSpec;
/** The archive folder a cluster writes to: serverName defaults to the cluster's name. */
const archiveOf = (name: string, store: ObjectStore) => `${store.destinationPath.replace(/\/+$/, '')}/${store.serverName ?? name}`;

const prod = render(join(K8S_DIR, 'overlays/prod'));
const clusters = byKind(prod, 'Cluster');
const scheduled = byKind(prod, 'ScheduledBackup');

describe('overlays/prod: backups', () => {
  it('every PostgreSQL cluster archives WAL and base backups to object storage, with a retention', () => {
    expect(clusters.map((c) => c.metadata.name).sort()).toEqual(SERVICE_NAMES.map((n) => `${n}-db`).sort());
    for (const c of clusters) {
      const backup = spec(c).backup;
      expect({ cluster: c.metadata.name, store: backup?.barmanObjectStore?.destinationPath }).toEqual({ cluster: c.metadata.name, store: expect.stringMatching(/^s3:\/\/[a-z0-9.-]+\//) });
      expect(backup?.retentionPolicy).toMatch(/^\d+[dwm]$/);
      expect(validateResource(c)).toEqual([]);
    }
  });

  it('every cluster has a ScheduledBackup of its own, at a valid time, and a first backup right away', () => {
    for (const c of clusters) {
      const mine = scheduled.filter((s) => (s.spec as { cluster: { name: string } }).cluster.name === c.metadata.name);
      expect({ cluster: c.metadata.name, scheduledBackups: mine.length }).toEqual({ cluster: c.metadata.name, scheduledBackups: 1 });
      const [s] = mine;
      expect(validateResource(s)).toEqual([]);
      expect(s.spec).toMatchObject({ method: 'barmanObjectStore', immediate: true, backupOwnerReference: 'self' });
      // six fields, seconds first (CloudNativePG's cron): a five-field schedule would mean something else
      const [sec, min, hour] = String((s.spec as { schedule: string }).schedule).split(' ');
      expect([Number(sec), Number(min), Number(hour)].every((n) => Number.isInteger(n))).toBe(true);
      expect(Number(sec)).toBeLessThan(60);
      expect(Number(min)).toBeLessThan(60);
      expect(Number(hour)).toBeLessThan(24);
    }
    expect(scheduled).toHaveLength(clusters.length);
    // staggered: no two clusters back up at the same minute
    const times = scheduled.map((s) => (s.spec as { schedule: string }).schedule);
    expect(new Set(times).size).toBe(times.length);
  });

  it('each cluster writes to its own archive folder (CloudNativePG refuses a folder holding another cluster’s WAL)', () => {
    const folders = clusters.map((c) => archiveOf(c.metadata.name, spec(c).backup!.barmanObjectStore));
    expect(new Set(folders).size).toBe(folders.length);
  });

  it('reads the S3 credentials from a Secret that is not in git', () => {
    for (const c of clusters) {
      const { accessKeyId, secretAccessKey } = spec(c).backup!.barmanObjectStore.s3Credentials;
      expect(accessKeyId.name).toBe(secretAccessKey.name);
      expect(accessKeyId.key).not.toBe(secretAccessKey.key);
      expect(prod.some((r) => r.kind === 'Secret' && r.metadata.name === accessKeyId.name)).toBe(false);
      // and the guide tells how to create it, with these keys
      const guide = readFileSync(join(REPO, 'docs/operations.md'), 'utf8');
      expect(guide).toMatch(new RegExp(`create secret generic ${accessKeyId.name}[\\s\\S]*${accessKeyId.key}=[\\s\\S]*${secretAccessKey.key}=`));
    }
  });
});

describe('docs/operations.md: the restore example', () => {
  const guide = readFileSync(join(REPO, 'docs/operations.md'), 'utf8');
  const examples = [...guide.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((m) => m[1].replace(/^ {3}/gm, ''))
    .flatMap((text) => parseAllDocuments(text).map((d) => d.toJS() as Resource))
    .filter((r) => r?.kind === 'Cluster' && (r.spec as ClusterSpec).bootstrap?.recovery);

  it('is a valid Cluster that recovers a production cluster from its own archive into a new one', () => {
    expect(examples).toHaveLength(1);
    const [restore] = examples;
    expect(validateResource(restore)).toEqual([]);
    const original = find(prod, 'Cluster', restore.metadata.name);
    const { recovery } = spec(restore).bootstrap;
    expect(recovery).toMatchObject({ database: spec(original).bootstrap.initdb!.database, owner: spec(original).bootstrap.initdb!.owner });
    const source = spec(restore).externalClusters?.find((e) => e.name === recovery!.source);
    expect(source?.barmanObjectStore).toBeDefined();
    // reads what the production cluster wrote, writes somewhere else
    const originalArchive = archiveOf(original.metadata.name, spec(original).backup!.barmanObjectStore);
    expect(archiveOf(original.metadata.name, source!.barmanObjectStore!)).toBe(originalArchive);
    expect(source!.barmanObjectStore!.s3Credentials).toEqual(spec(original).backup!.barmanObjectStore.s3Credentials);
    expect(archiveOf(restore.metadata.name, spec(restore).backup!.barmanObjectStore)).not.toBe(originalArchive);
  });

  it('is otherwise the rendered production cluster (same name, namespace, labels, size and settings)', () => {
    const [restore] = examples;
    const original = find(prod, 'Cluster', restore.metadata.name);
    expect(restore.metadata).toEqual(original.metadata);
    const strip = (s: ClusterSpec) => {
      const { bootstrap: _b, externalClusters: _e, backup, ...rest } = s;
      return { ...rest, backup: { ...backup, barmanObjectStore: { ...backup?.barmanObjectStore, serverName: undefined } } };
    };
    expect(strip(spec(restore))).toEqual(strip(spec(original)));
  });
});
