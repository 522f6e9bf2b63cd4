import { Inject, Injectable } from '@nestjs/common';
import { HUB_CONFIG, type OcpiHubConfig } from '../config.js';
import { ObjectChanges } from './object-changes.js';

/** A list page ready to send: the envelope's bytes up to the timestamp (see `pageHead`) and the total. */
export interface CachedPage {
  total: number;
  count: number;
  head: Buffer;
  /** The pagination headers last built for this page, and for which URL and raw dates (see ReadService). */
  headers?: { for: string; value: Record<string, string> };
}

interface Entry extends CachedPage {
  module: string;
  generation: string;
  bytes: number;
}

/**
 * Sender GET pages per reader and query, kept in memory so a crawl or a busy eMSP costs no
 * PostgreSQL work (guide §7.1 "cache-first reads"; the query turned 100 jsonb rows into text on
 * every request and was the benchmark's bottleneck). An entry is served only while its module's
 * generation is unchanged, i.e. until any replica writes an object of that module. Bounded by
 * OCPI_PAGE_CACHE_MB, least recently used first out.
 */
@Injectable()
export class PageCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private readonly budget: number;

  constructor(
    private readonly changes: ObjectChanges,
    @Inject(HUB_CONFIG) config: OcpiHubConfig,
  ) {
    this.budget = config.OCPI_PAGE_CACHE_MB * 1024 * 1024;
  }

  /** The page for a key, or computes it; `load` runs against the database. */
  async get(module: string, key: string, load: () => Promise<CachedPage>): Promise<CachedPage> {
    if (this.budget === 0 || !this.changes.reliable) return load();
    const generation = this.changes.generation(module);
    const hit = this.entries.get(key);
    if (hit && hit.generation === generation) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const page = await load();
    // A write that committed while we read bumped the generation: the result may predate it.
    if (this.changes.generation(module) === generation && this.changes.reliable) this.put(key, { ...page, module, generation, bytes: page.head.length + key.length * 2 });
    return page;
  }

  private put(key: string, entry: Entry): void {
    if (entry.bytes > this.budget) return;
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.bytes;
      this.entries.delete(key);
    }
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.budget) break;
      this.entries.delete(k);
      this.bytes -= e.bytes;
    }
  }
}
