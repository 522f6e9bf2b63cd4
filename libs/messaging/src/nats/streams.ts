import { Streams, type StreamDefinition } from '@cpo/contracts';
import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { BusNames } from '../bus-names.js';

export function streamConfig(def: StreamDefinition, names: BusNames, replicas: number): Partial<StreamConfig> & { name: string } {
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
 * Creates each stream of the contract or brings an existing one up to date.
 * Every service runs this on boot; it is idempotent and safe across replicas.
 */
export async function ensureStreams(jsm: JetStreamManager, names: BusNames, replicas: number): Promise<void> {
  for (const def of Object.values(Streams)) {
    const config = streamConfig(def, names, replicas);
    const existing = await jsm.streams.info(config.name).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (!existing) {
      await addStream(jsm, config).catch(async (err: unknown) => {
        // Another replica created it between our info and add.
        if (!/already in use|already exists/i.test(String(err))) throw err;
        await jsm.streams.update(config.name, config);
      });
    } else if (differs(existing.config, config)) {
      await jsm.streams.update(config.name, config);
    }
  }
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
async function addStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }, attempt = 1): Promise<void> {
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

function differs(current: StreamConfig, wanted: Partial<StreamConfig>): boolean {
  return (
    JSON.stringify([...current.subjects].sort()) !== JSON.stringify([...(wanted.subjects ?? [])].sort()) ||
    current.max_age !== wanted.max_age ||
    current.duplicate_window !== wanted.duplicate_window ||
    current.num_replicas !== wanted.num_replicas ||
    current.description !== wanted.description
  );
}
