import { Inject, Injectable, BeforeApplicationShutdown } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';

export interface AuditRow {
  connectionId: string | null;
  module: string;
  method: string;
  url: string;
  requestId: string;
  correlationId: string;
  attempt: number;
  httpStatus?: number;
  statusCode?: number;
  durationMs: number;
  error?: string;
}

const FLUSH_MS = 100;
const MAX_BATCH = 500;

/**
 * One row per outbound attempt, with its request id, for support and dispute handling. Rows are
 * written in batches (one INSERT per ≤100 ms) so a broadcast to many partners costs one round trip,
 * not one per partner. Shutdown flushes what is left before the database closes (the senders
 * finish their in-flight calls in onModuleDestroy, which runs first).
 */
@Injectable()
export class AuditRepository implements BeforeApplicationShutdown {
  private buffer: AuditRow[] = [];
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: DataSource,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  record(r: AuditRow): void {
    this.buffer.push(r);
    if (this.buffer.length >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Writes everything buffered so far; resolves when it is committed. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const rows = this.buffer;
    this.buffer = [];
    if (rows.length === 0) return this.flushing;
    this.flushing = this.flushing.then(() => this.insert(rows)).catch((err: unknown) => this.logger.warn({ err, rows: rows.length }, 'could not write outbound audit rows'));
    return this.flushing;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  private async insert(rows: AuditRow[]): Promise<void> {
    const col = <T>(f: (r: AuditRow) => T) => rows.map(f);
    await this.db.query(
      `INSERT INTO ocpi_outbound_call (connection_id, module, method, url, request_id, correlation_id, attempt, http_status, status_code, duration_ms, error)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[], $9::int[], $10::int[], $11::text[])`,
      [
        col((r) => r.connectionId),
        col((r) => r.module),
        col((r) => r.method),
        col((r) => r.url),
        col((r) => r.requestId),
        col((r) => r.correlationId),
        col((r) => r.attempt),
        col((r) => r.httpStatus ?? null),
        col((r) => r.statusCode ?? null),
        col((r) => Math.round(r.durationMs)),
        col((r) => r.error?.slice(0, 1000) ?? null),
      ],
    );
  }
}
