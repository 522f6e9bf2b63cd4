import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@cpo/platform';
import { layoutKeyOfModuleType } from '@cpo/rems-protocol';
import type { RemsIngestConfig } from '../config.js';
import { TransceiverRepository, type TransceiverStatus } from '../transceivers/transceiver.repository.js';

/** What ingest needs to know about a transceiver. */
export interface IngestDevice {
  transceiverId: string;
  tenantAlias: string;
  status: TransceiverStatus;
  /** Configured frame layout (`EE/TT`) per module port. */
  layoutByPort: ReadonlyMap<number, string>;
}

interface Entry {
  at: number;
  value: Promise<IngestDevice | undefined>;
  /** The loaded value once `value` has resolved (null: no such transceiver). */
  loaded?: IngestDevice | null;
}

/**
 * A short-lived per-replica cache of transceivers for ingest, where thousands of frames a second
 * would otherwise each cost a lookup. Lookups requested in the same event-loop turn are loaded
 * with one query, so a cold start with many devices cannot exhaust the connection pool. A status
 * change made elsewhere is seen within REMS_DEVICE_CACHE_MS; changes made by this replica
 * invalidate at once.
 */
@Injectable()
export class DeviceDirectory {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private queue = new Map<string, { resolve: (d: IngestDevice | undefined) => void; reject: (err: unknown) => void }[]>();

  constructor(
    private readonly transceivers: TransceiverRepository,
    @Inject(APP_CONFIG) config: RemsIngestConfig,
  ) {
    this.ttlMs = config.REMS_DEVICE_CACHE_MS;
  }

  /**
   * The cached entry when it is loaded and fresh, without a promise: `null` for a transceiver
   * known not to exist, `undefined` when `get` has to be asked.
   */
  cached(transceiverId: string): IngestDevice | null | undefined {
    const hit = this.entries.get(transceiverId);
    return hit && Date.now() - hit.at < this.ttlMs ? hit.loaded : undefined;
  }

  get(transceiverId: string): Promise<IngestDevice | undefined> {
    const now = Date.now();
    const hit = this.entries.get(transceiverId);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = this.load(transceiverId);
    const entry: Entry = { at: now, value };
    this.entries.set(transceiverId, entry);
    // A failed lookup must not be cached.
    value.then(
      (device) => (entry.loaded = device ?? null),
      () => this.entries.get(transceiverId) === entry && this.entries.delete(transceiverId),
    );
    if (this.entries.size > 100_000) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }

  invalidate(transceiverId: string): void {
    this.entries.delete(transceiverId);
  }

  private load(transceiverId: string): Promise<IngestDevice | undefined> {
    return new Promise((resolve, reject) => {
      if (this.queue.size === 0) setImmediate(() => void this.flush());
      const waiters = this.queue.get(transceiverId) ?? [];
      waiters.push({ resolve, reject });
      this.queue.set(transceiverId, waiters);
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = new Map();
    try {
      const rows = await this.transceivers.ingestView([...batch.keys()]);
      const byId = new Map(rows.map((row) => [row.transceiverId, row]));
      for (const [id, waiters] of batch) {
        const row = byId.get(id);
        const device = row && {
          transceiverId: id,
          tenantAlias: row.tenantAlias,
          status: row.status,
          layoutByPort: new Map(row.modules.flatMap((m) => {
            const key = layoutKeyOfModuleType(m.moduleType);
            return key ? [[m.port, key] as const] : [];
          })),
        };
        for (const w of waiters) w.resolve(device);
      }
    } catch (err) {
      for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
    }
  }
}
