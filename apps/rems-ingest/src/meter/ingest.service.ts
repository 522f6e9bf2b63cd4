import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { Subjects } from '@cpo/contracts';
import type { OutboxEvent } from '@cpo/messaging';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import { decodeRemsFrame, type DecodedRemsFrame } from '@cpo/rems-protocol';
import type { Logger } from 'pino';
import type { RemsIngestConfig } from '../config.js';
import { Batcher } from './batcher.js';
import { IngestMetrics } from './ingest.metrics.js';
import { toMeasurementEvent, type FrameOrigin } from './measurement-event.js';
import { MeterRepository, type FrameRow } from './meter.repository.js';

/** A frame accepted for ingest: a known device, a valid hex string. */
export interface IngestRequest extends FrameOrigin {
  bytes: Uint8Array;
  hex: string;
  /** Layout configured for the module on this port, for the `typeMismatch` check. */
  expectedLayoutKey?: string;
}

interface Pending {
  row: FrameRow;
  event?: OutboxEvent;
  channel: string;
  receivedAt: Date;
}

/**
 * The one ingest path of HTTP and MQTT (§12): decode, then store the raw frame, the decoded
 * reading and its `rems.measurement.decoded` event in one statement, many frames per batch.
 * The returned promise settles when the batch has committed.
 */
@Injectable()
export class IngestService implements BeforeApplicationShutdown {
  private readonly batcher: Batcher<Pending>;
  private readonly logger: Logger;

  constructor(
    private readonly meters: MeterRepository,
    private readonly metrics: IngestMetrics,
    @Inject(APP_CONFIG) config: RemsIngestConfig,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'ingest' });
    this.batcher = new Batcher((items) => this.write(items), {
      maxSize: config.REMS_INGEST_BATCH_SIZE,
      flushMs: config.REMS_INGEST_FLUSH_MS,
      concurrency: Math.max(1, Math.min(4, config.DATABASE_POOL_SIZE - 2)),
    });
  }

  async ingest(request: IngestRequest): Promise<DecodedRemsFrame> {
    const frame = decodeRemsFrame(request.bytes, { port: request.port, expectedLayoutKey: request.expectedLayoutKey });
    const payload = toMeasurementEvent(frame, request);
    await this.batcher.add({
      row: toRow(frame, request),
      event: payload && { subject: Subjects.RemsMeasurementDecoded, payload },
      channel: request.channel,
      receivedAt: request.receivedAt,
    });
    return frame;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.batcher.drain();
  }

  private async write(items: Pending[]): Promise<void> {
    const stop = this.metrics.batchSeconds.startTimer();
    try {
      const rows: FrameRow[] = new Array(items.length);
      const events: OutboxEvent[] = [];
      for (let k = 0; k < items.length; k++) {
        rows[k] = items[k].row;
        const event = items[k].event;
        if (event) events.push(event);
      }
      await this.meters.insertBatch(rows, events);
    } catch (err) {
      this.metrics.failures.inc(items.length);
      this.logger.error({ err, frames: items.length }, 'ingest batch failed');
      throw err;
    } finally {
      stop();
    }
    // Counted per batch and per label set: prom-client hashes the labels of every call.
    const committed = Date.now();
    const counts = new Map<string, { channel: string; kind: string; n: number }>();
    let lagChannel: string | undefined;
    let lag: { observe(seconds: number): void } | undefined;
    for (const i of items) {
      const key = `${i.channel}|${i.row.kind}`;
      const c = counts.get(key);
      if (c) c.n++;
      else counts.set(key, { channel: i.channel, kind: i.row.kind, n: 1 });
      if (!lag || lagChannel !== i.channel) {
        lag = this.metrics.lagSeconds.labels({ channel: i.channel });
        lagChannel = i.channel;
      }
      lag.observe((committed - i.receivedAt.getTime()) / 1000);
    }
    for (const c of counts.values()) this.metrics.frames.inc({ channel: c.channel, kind: c.kind }, c.n);
  }
}

function toRow(frame: DecodedRemsFrame, request: IngestRequest): FrameRow {
  const row: FrameRow = {
    tenantAlias: request.tenantAlias,
    transceiverId: request.transceiverId,
    port: request.port,
    channel: request.channel,
    dataHex: request.hex,
    kind: frame.kind,
    flags: frame.flags,
    receivedAt: request.receivedAt,
  };
  if (frame.kind === 'reading' && frame.layoutKey) {
    row.reading = {
      layoutKey: frame.layoutKey,
      values: frame.values,
      counterRaw: frame.energyCounter ? frame.energyCounter.raw.toString() : null,
      counterWhPerUnit: frame.energyCounter?.whPerUnit ?? null,
      powerW: frame.powerW,
      faultBits: frame.fault?.faultBits ?? null,
    };
  }
  return row;
}
