import { Injectable } from '@nestjs/common';
import { MetricsService } from '@cpo/platform';
import { Counter, Histogram } from 'prom-client';

/** Prometheus metrics of meter ingest, on the app's own registry. */
@Injectable()
export class IngestMetrics {
  readonly frames: Counter<'channel' | 'kind'>;
  readonly rejected: Counter<'channel' | 'reason'>;
  readonly duplicates: Counter;
  readonly failures: Counter;
  readonly batchSeconds: Histogram;
  readonly lagSeconds: Histogram<'channel'>;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.frames = new Counter({ name: 'rems_frames_ingested_total', help: 'Meter frames committed (raw always, decoded when possible), by channel and frame kind', labelNames: ['channel', 'kind'], registers });
    this.rejected = new Counter({ name: 'rems_messages_rejected_total', help: 'Meter messages stored in rejected_message instead of ingested, by reason', labelNames: ['channel', 'reason'], registers });
    this.duplicates = new Counter({ name: 'rems_mqtt_duplicates_total', help: 'MQTT meter messages dropped as QoS 1 redeliveries (same transceiver, port and frame within the window)', registers });
    this.failures = new Counter({ name: 'rems_ingest_failures_total', help: 'Frames whose batch could not be committed', registers });
    this.batchSeconds = new Histogram({ name: 'rems_ingest_batch_seconds', help: 'Time to commit one ingest batch', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers });
    this.lagSeconds = new Histogram({ name: 'rems_ingest_lag_seconds', help: 'Receipt to commit of a frame', labelNames: ['channel'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers });
  }
}
