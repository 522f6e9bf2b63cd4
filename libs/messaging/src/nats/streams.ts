import { allStreams, type StreamDefinition } from '@cpo/contracts';
import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { BusNames } from '../bus-names.js';
import { differs, mergeStreamConfig, movedSubjects, type WantedStreamConfig } from './stream-merge.js';

export function streamConfig(def: StreamDefinition, names: BusNames, replicas: number): WantedStreamConfig {
  return {
    name: names.stream(def.name),
    subjects: def.subjects.map((s) => names.subject(s)),
    description: def.description,
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(def.maxAgeMs),
    duplicate_window: nanos(def.duplicateWindowMs),
    num_replicas: replicas,
  };
}

/**
 * Creates each stream of the contract or brings an existing one up to date. Every service runs
 * this on boot; it is idempotent and safe across replicas and across the releases of a rolling
 * upgrade: an existing stream is merged with this release's definition (`mergeStreamConfig`:
 * subjects are only added, limits only raised), so an older pod booting late takes nothing away.
 * Resolves with the names of the streams it created (StreamGuard logs them when NATS lost them).
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  names: BusNames,
  replicas: number,
  definitions: readonly StreamDefinition[] = allStreams,
): Promise<string[]> {
  const created: string[] = [];
  const configs = definitions.map((def) => streamConfig(def, names, replicas));
  const existing = await Promise.all(configs.map((config) => streamInfo(jsm, config.name)));
  // First take off every existing stream the subjects this release captures on another stream,
  // without adding any: a swap between two streams would otherwise be refused as an overlap.
  for (const [i, config] of configs.entries()) {
    const current = existing[i];
    if (!current) continue;
    const merged = mergeStreamConfig(current, config, othersSubjects(configs, i));
    const moved = movedSubjects(current, merged);
    if (moved.length === 0) continue;
    const remaining = current.subjects.filter((subject) => !moved.includes(subject));
    // An empty list would make JetStream capture the stream's name as its subject.
    existing[i] = (await jsm.streams.update(config.name, { subjects: remaining.length > 0 ? remaining : merged.subjects })).config;
  }
  for (const [i, config] of configs.entries()) {
    let current = existing[i];
    if (!current) {
      const added = await addStream(jsm, config).then(
        () => true,
        (err: unknown) => {
          // Another replica (perhaps of another release) created it between our info and add.
          if (!/already in use|already exists/i.test(String(err))) throw err;
          return false;
        },
      );
      if (added) {
        created.push(config.name);
        continue;
      }
      current = await streamInfo(jsm, config.name);
      if (!current) throw new Error(`stream ${config.name} exists and is not found`);
    }
    const merged = mergeStreamConfig(current, config, othersSubjects(configs, i));
    if (differs(current, merged)) await jsm.streams.update(config.name, merged);
  }
  return created;
}

async function streamInfo(jsm: JetStreamManager, name: string): Promise<StreamConfig | undefined> {
  try {
    return (await jsm.streams.info(name)).config;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The subjects this release captures on its streams other than the i-th. */
function othersSubjects(configs: readonly WantedStreamConfig[], i: number): string[] {
  return configs.filter((_, j) => j !== i).flatMap((config) => config.subjects);
}

/** JetStream's "error creating store for stream" (JSStreamStoreFailedF). */
const STORE_FAILED = 10077;
const STORE_ATTEMPTS = 5;

/**
 * Adds the stream, trying again when the server failed to create its store. nats-server 2.9 removes
 * an account's store directory when its last stream is deleted; a stream created at that moment
 * fails with this error (seen when test runs delete their streams while another run starts), and
 * the next attempt succeeds. A store failure that persists (disk full, permissions) still fails the
 * boot, after about 1.5 s.
 */
async function addStream(jsm: JetStreamManager, config: WantedStreamConfig, attempt = 1): Promise<void> {
  try {
    await jsm.streams.add(config);
  } catch (err) {
    if ((err as { code?: unknown }).code !== STORE_FAILED || attempt >= STORE_ATTEMPTS) throw err;
    await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    await addStream(jsm, config, attempt + 1);
  }
}

function isNotFound(err: unknown): boolean {
  return /not found/i.test(String((err as Error)?.message ?? err));
}
