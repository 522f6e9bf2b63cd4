/**
 * Benchmark: KEA REMS meter frames over MQTT through the real Mosquitto into rems-ingest (decoded,
 * stored in batches with their outbox rows, relayed to JetStream), against the real PostgreSQL,
 * Redis and NATS.
 *
 * Three parties, as deployed: RTUs (a worker thread: several MQTT 3.1.1 clients publishing
 * QoS 1 meter messages at an offered rate), the service (the main thread: the real app booted
 * with startTestApp) and a bare MQTT subscriber that only counts the same messages (a second
 * worker), whose rate shows what the broker and an MQTT client alone manage on this machine.
 *
 * Each frame carries its sequence number in the cumulative counter, so a core NATS subscription
 * on the REMS subject sees `cumulativeWh` = sequence and measures the end-to-end ingest lag:
 * MQTT publish → decoded, committed and published on JetStream.
 */
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Subjects } from '@cpo/contracts';
import { startTestApp, testServers, uniqueSuffix } from '@cpo/testing';
import { connect as natsConnect } from '@nats-io/transport-node';
import mqtt from 'mqtt';
import pg from 'pg';
import { AppModule } from '../apps/rems-ingest/src/app.module.js';
import { loadRemsIngestConfig } from '../apps/rems-ingest/src/config.js';

const RATE = Number(process.env.BENCH_RATE ?? 10_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const DEVICES = Number(process.env.BENCH_DEVICES ?? 500);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const DRAIN_TIMEOUT_S = Number(process.env.BENCH_DRAIN_SECONDS ?? 20);
const now = () => performance.timeOrigin + performance.now(); // comparable across threads

interface Setup {
  topic: string;
  transceiverIds: string[];
}
type ToWorker = { run: { rate: number; seconds: number } } | { stop: true };
type FromPublisher = { ready: true } | { sent: [number, number][] } | { done: number };
type FromCounter = { ready: true } | { counted: number; first: number; last: number };

/** V1 with the counter replaced by the sequence number. */
function frame(seq: number): string {
  return `1401010000015e003204e200dc001a04e203e70258${seq.toString(16).padStart(16, '0')}0000`;
}

async function publisher({ topic, transceiverIds }: Setup): Promise<void> {
  const port = parentPort!;
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, (_, i) => mqtt.connectAsync(testServers.mqtt, { clientId: `bench-rtu-${uniqueSuffix()}-${i}`, protocolVersion: 4, clean: true })),
  );
  port.on('message', async (m: ToWorker) => {
    if ('stop' in m) {
      await Promise.all(clients.map((c) => c.endAsync()));
      port.postMessage({ done: 0 } satisfies FromPublisher);
      return;
    }
    const { rate, seconds } = m.run;
    const total = rate * seconds;
    const tickMs = 10;
    const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
    const start = performance.now();
    let seq = 0;
    let sent: [number, number][] = [];
    const inflight = new Set<Promise<unknown>>();
    for (let tick = 0; seq < total; tick++) {
      const wait = start + tick * tickMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      for (let i = 0; i < perTick && seq < total; i++) {
        seq++;
        const client = clients[seq % clients.length];
        const payload = JSON.stringify({ transceiverId: transceiverIds[seq % transceiverIds.length], port: 0, data: frame(seq) });
        sent.push([seq, now()]);
        const p = client.publishAsync(topic, payload, { qos: 1 }).finally(() => inflight.delete(p));
        inflight.add(p);
      }
      if (sent.length >= 1000) {
        port.postMessage({ sent } satisfies FromPublisher);
        sent = [];
      }
    }
    if (sent.length) port.postMessage({ sent } satisfies FromPublisher);
    await Promise.all(inflight);
    port.postMessage({ done: seq } satisfies FromPublisher);
  });
  port.postMessage({ ready: true } satisfies FromPublisher);
}

async function counter({ topic }: Setup): Promise<void> {
  const port = parentPort!;
  const client = await mqtt.connectAsync(testServers.mqtt, { clientId: `bench-count-${uniqueSuffix()}`, protocolVersion: 5, clean: true });
  let counted = 0;
  let first = 0;
  let last = 0;
  client.on('message', () => {
    last = now();
    if (counted++ === 0) first = last;
  });
  await client.subscribeAsync(topic, { qos: 1 });
  const report = setInterval(() => port.postMessage({ counted, first, last } satisfies FromCounter), 200);
  port.on('message', async () => {
    clearInterval(report);
    port.postMessage({ counted, first, last } satisfies FromCounter);
    await client.endAsync();
    port.close();
  });
  port.postMessage({ ready: true } satisfies FromCounter);
}

async function main(): Promise<void> {
  const topicRoot = `/bench_${uniqueSuffix()}/rems`;
  const t = await startTestApp({
    loadConfig: loadRemsIngestConfig,
    createModule: (config, logger) => AppModule.forRoot(config, logger),
    database: 'rems',
    env: { REMS_MQTT_TOPIC_ROOT: topicRoot, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', REMS_DEVICE_CACHE_MS: '60000', DATABASE_POOL_SIZE: '12', REMS_MQTT_SESSION_EXPIRY_SECONDS: '300' },
  });
  process.once('SIGINT', () => void t.close().finally(() => process.exit(130)));
  const db = new pg.Client({ connectionString: t.config.DATABASE_URL });
  await db.connect();
  await db.query(`INSERT INTO tenant (alias, name) VALUES ('bench', 'bench')`);
  const { rows } = await db.query(
    `INSERT INTO transceiver (transceiver_id, tenant_alias, serial_id, status)
     SELECT 'MATA' || lpad(to_hex(g), 10, '0'), 'bench', 'S' || g, 'ACTIVE' FROM generate_series(1, $1) g RETURNING transceiver_id`,
    [DEVICES],
  );
  const setup: Setup = { topic: `${topicRoot}/mqtt3/meter`, transceiverIds: rows.map((r) => r.transceiver_id as string) };

  // End-to-end observation point: the events as JetStream stores them.
  const nc = await natsConnect({ servers: testServers.nats });
  const sentAt = new Map<number, number>();
  const early = new Map<number, number>();
  const lags: number[] = [];
  let delivered = 0;
  let lastDelivery = 0;
  const sub = nc.subscribe(`${t.prefix}.${Subjects.RemsMeasurementDecoded}`, {
    callback: (_err, msg) => {
      const seq = (msg.json() as { cumulativeWh: number }).cumulativeWh;
      const at = now();
      delivered++;
      lastDelivery = at;
      const s = sentAt.get(seq);
      if (s === undefined) early.set(seq, at);
      else {
        lags.push(at - s);
        sentAt.delete(seq);
      }
    },
  });

  const pub = new Worker(new URL(import.meta.url), { workerData: { role: 'publisher', setup } });
  const cnt = new Worker(new URL(import.meta.url), { workerData: { role: 'counter', setup } });
  let counterState = { counted: 0, first: 0, last: 0 };
  let onDone: (n: number) => void = () => undefined;
  const pubReady = new Promise<void>((resolve) =>
    pub.on('message', (m: FromPublisher) => {
      if ('ready' in m) resolve();
      else if ('done' in m) onDone(m.done);
      else
        for (const [seq, at] of m.sent) {
          const e = early.get(seq);
          if (e !== undefined) {
            lags.push(e - at);
            early.delete(seq);
          } else sentAt.set(seq, at);
        }
    }),
  );
  const cntReady = new Promise<void>((resolve) =>
    cnt.on('message', (m: FromCounter) => {
      if ('ready' in m) resolve();
      else counterState = m;
    }),
  );
  await Promise.all([pubReady, cntReady]);

  const started = now();
  const published = await new Promise<number>((resolve) => {
    onDone = resolve;
    pub.postMessage({ run: { rate: RATE, seconds: SECONDS } } satisfies ToWorker);
  });
  const publishedAt = now();
  const deadline = Date.now() + DRAIN_TIMEOUT_S * 1000;
  while ((delivered < published || counterState.counted < published) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

  pub.postMessage({ stop: true } satisfies ToWorker);
  cnt.postMessage({ stop: true } satisfies ToWorker);
  await new Promise((r) => setTimeout(r, 300));
  await Promise.all([pub.terminate(), cnt.terminate()]);
  sub.unsubscribe();
  await nc.close();
  const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
  const metric = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
  const batches = metric('rems_ingest_batch_seconds_count');
  const batchMs = (metric('rems_ingest_batch_seconds_sum') / batches) * 1000;
  const receiptToCommitMs = (metric('rems_ingest_lag_seconds_sum') / metric('rems_ingest_lag_seconds_count')) * 1000;
  const [{ frames, rejected }] = (await db.query(`SELECT (SELECT count(*)::int FROM raw_frame) AS frames, (SELECT count(*)::int FROM rejected_message) AS rejected`)).rows;
  const reasons = Object.fromEntries((await db.query(`SELECT reason, count(*)::int AS n FROM rejected_message GROUP BY reason`)).rows.map((row) => [row.reason, row.n]));
  await db.end();
  await t.close();

  const sorted = lags.sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  const appSeconds = (lastDelivery - started) / 1000;
  const appRate = delivered / appSeconds;
  const bareSeconds = (counterState.last - counterState.first) / 1000;
  const bareRate = counterState.counted / Math.max(bareSeconds, 1e-9);
  const r = (x: number) => +x.toFixed(1);
  const result = {
    offered: { ratePerS: RATE, seconds: SECONDS, published, publishSeconds: r((publishedAt - started) / 1000), devices: DEVICES, clients: CLIENTS },
    service: { delivered, framesStored: frames, rejected, rejectedReasons: reasons, seconds: r(appSeconds), sustainedPerS: Math.round(appRate), p50Ms: r(pct(50)), p90Ms: r(pct(90)), p99Ms: r(pct(99)), maxMs: r(sorted[sorted.length - 1]) },
    inside: { batches, framesPerBatch: r(frames / batches), meanBatchCommitMs: r(batchMs), meanReceiptToCommitMs: r(receiptToCommitMs), duplicatesDropped: metric('rems_mqtt_duplicates_total') },
    bareSubscriber: { counted: counterState.counted, seconds: r(bareSeconds), ratePerS: Math.round(bareRate) },
    ratio: +(appRate / bareRate).toFixed(2),
  };
  console.log('MQTT (Mosquitto, QoS 1) → rems-ingest: decode, batch insert + outbox, relay → JetStream');
  console.log(`  offered ${RATE}/s for ${SECONDS} s: ${published} frames from ${CLIENTS} clients for ${DEVICES} transceivers`);
  console.log(
    `  service: ${result.service.sustainedPerS} frames/s decoded, persisted and published (${delivered}/${published} on JetStream, ${frames} raw frames stored) ` +
      `[target ≥ 10000/s: ${appRate >= 10_000 && delivered === published ? 'met' : 'MISSED'}]`,
  );
  console.log(`  ingest lag publish → JetStream: p50 ${result.service.p50Ms} ms, p90 ${result.service.p90Ms} ms, p99 ${result.service.p99Ms} ms, max ${result.service.maxMs} ms [target p99 < 1000 ms: ${pct(99) < 1000 ? 'met' : 'MISSED'}]`);
  console.log(`  inside the service: ${batches} batches, ${result.inside.framesPerBatch} frames each, mean commit ${result.inside.meanBatchCommitMs} ms, mean receipt → commit ${result.inside.meanReceiptToCommitMs} ms`);
  console.log(`  bare counting subscriber: ${result.bareSubscriber.ratePerS} msg/s (${counterState.counted} counted); service/bare ratio ${result.ratio}`);
  console.log(JSON.stringify(result));
}

const role = (workerData as { role?: string } | null)?.role;
if (isMainThread) await main();
else if (role === 'publisher') await publisher((workerData as { setup: Setup }).setup);
else await counter((workerData as { setup: Setup }).setup);
