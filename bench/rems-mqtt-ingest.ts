/**
 * Benchmark: KEA REMS meter frames over MQTT through the real Mosquitto into rems-ingest (decoded,
 * stored in batches with their outbox rows, published to JetStream right after the commit with the
 * relay as safety net), against the real PostgreSQL, Redis and NATS.
 *
 * Three parties, as deployed: RTUs (a worker thread: several MQTT 3.1.1 clients publishing
 * QoS 1 meter messages at an offered rate), the service (the main thread: the real app booted
 * with startTestApp) and a bare MQTT subscriber that only counts the same messages (a second
 * worker), whose rate shows what the broker and an MQTT client alone manage on this machine.
 * A third worker observes the events on JetStream.
 *
 * Each frame carries its sequence number in the cumulative counter, so a core NATS subscription
 * on the REMS subject sees `cumulativeWh` = sequence and measures the end-to-end ingest lag:
 * MQTT publish → decoded, committed and published on JetStream.
 *
 * The broker is a Mosquitto of the run's own, configured as docs/rems-ingest.md tells production
 * to configure it (QoS 1 queues not capped at the default 1000 messages per client, which drops
 * messages silently); BENCH_MQTT_URL runs against another broker instead (e.g. the shared one).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import inspector from 'node:inspector/promises';
import { createServer, connect as tcpConnect } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, MessageChannel, parentPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import { Subjects } from '@cpo/contracts';
import { startTestApp, testServers, uniqueSuffix, type TestApp } from '@cpo/testing';
import { connect as natsConnect } from '@nats-io/transport-node';
import mqtt from 'mqtt';
import pg from 'pg';
import { AppModule } from '../apps/rems-ingest/src/app.module.js';
import { loadRemsIngestConfig, type RemsIngestConfig } from '../apps/rems-ingest/src/config.js';
import { IngestService } from '../apps/rems-ingest/src/meter/ingest.service.js';
import { manifestSetting } from './_platform.js';
import { MqttMeterSubscriber } from '../apps/rems-ingest/src/mqtt/meter-subscriber.js';

const RATE = Number(process.env.BENCH_RATE ?? 10_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const DEVICES = Number(process.env.BENCH_DEVICES ?? 500);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const DRAIN_TIMEOUT_S = Number(process.env.BENCH_DRAIN_SECONDS ?? 20);
/** Service replicas: the first in the main thread, the others each in a worker thread (same database, bus prefix and shared subscription). */
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 1);
const now = () => performance.timeOrigin + performance.now(); // comparable across threads

interface Setup {
  mqttUrl: string;
  topic: string;
  transceiverIds: string[];
  /** JetStream subject of the decoded events (with the run's prefix). */
  subject: string;
}
type ToWorker = { run: { rate: number; seconds: number } } | { stop: true };
type FromPublisher = { ready: true } | { done: number; sendMs?: number };
type FromCounter = { ready: true } | { counted: number; first: number; last: number };
type FromObserver = { ready: true } | { delivered: number; last: number } | { final: { delivered: number; first: number; last: number; lags: number[] } };

/** V1 with the counter replaced by the sequence number. */
function frame(seq: number): string {
  return `1401010000015e003204e200dc001a04e203e70258${seq.toString(16).padStart(16, '0')}0000`;
}

/** A private Mosquitto on a free port, production-like limits; stopped at the end of the run. */
async function startBroker(): Promise<{ url: string; stop: () => Promise<void> }> {
  const given = process.env.BENCH_MQTT_URL;
  if (given) return { url: given, stop: async () => undefined };
  const bin = ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p));
  if (!bin) {
    console.warn(`no mosquitto binary found; using ${testServers.mqtt} (its default max_queued_messages may drop messages)`);
    return { url: testServers.mqtt, stop: async () => undefined };
  }
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address() as { port: number };
      probe.close(() => resolve(p));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'bench-mosquitto-'));
  const conf = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    // The production advice: do not let the broker drop QoS 1 messages of a subscriber that is briefly behind.
    'max_queued_messages 1000000',
    'log_dest none',
    ...(process.getuid?.() === 0 ? ['user root'] : []),
  ];
  writeFileSync(join(dir, 'mosquitto.conf'), `${conf.join('\n')}\n`);
  const child: ChildProcess = spawn(bin, ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      }).on('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `sentPort`: where the send time of every frame goes (to the observer), in batches. */
async function publisher({ mqttUrl, topic, transceiverIds }: Setup, sentPort: MessagePort): Promise<void> {
  const port = parentPort!;
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, (_, i) => mqtt.connectAsync(mqttUrl, { clientId: `bench-rtu-${uniqueSuffix()}-${i}`, protocolVersion: 4, clean: true })),
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
        sentPort.postMessage(sent);
        sent = [];
      }
    }
    if (sent.length) sentPort.postMessage(sent);
    const sendMs = performance.now() - start;
    await Promise.all(inflight);
    port.postMessage({ done: seq, sendMs } satisfies FromPublisher);
  });
  port.postMessage({ ready: true } satisfies FromPublisher);
}

async function counter({ mqttUrl, topic }: Setup): Promise<void> {
  const port = parentPort!;
  const client = await mqtt.connectAsync(mqttUrl, { clientId: `bench-count-${uniqueSuffix()}`, protocolVersion: 5, clean: true });
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

/**
 * The end-to-end observation point, in a worker of its own so that measuring does not take the
 * service's event loop: a core NATS subscription on the decoded-event subject, matched with the
 * publisher's send times by sequence number.
 */
async function observer({ subject }: Setup, sentPort: MessagePort): Promise<void> {
  const port = parentPort!;
  const nc = await natsConnect({ servers: testServers.nats });
  const sentAt = new Map<number, number>();
  const early = new Map<number, number>();
  const lags: number[] = [];
  let delivered = 0;
  let first = 0;
  let last = 0;
  const sub = nc.subscribe(subject, {
    callback: (_err, msg) => {
      const seq = (msg.json() as { cumulativeWh: number }).cumulativeWh;
      const at = now();
      if (delivered++ === 0) first = at;
      last = at;
      const s = sentAt.get(seq);
      if (s === undefined) early.set(seq, at);
      else {
        lags.push(at - s);
        sentAt.delete(seq);
      }
    },
  });
  sentPort.on('message', (sent: [number, number][]) => {
    for (const [seq, at] of sent) {
      const e = early.get(seq);
      if (e !== undefined) {
        lags.push(e - at);
        early.delete(seq);
      } else sentAt.set(seq, at);
    }
  });
  await nc.flush();
  const report = setInterval(() => port.postMessage({ delivered, last } satisfies FromObserver), 100);
  port.on('message', async () => {
    clearInterval(report);
    sub.unsubscribe();
    await nc.close();
    port.postMessage({ final: { delivered, first, last, lags } } satisfies FromObserver);
    sentPort.close();
    port.close();
  });
  port.postMessage({ ready: true } satisfies FromObserver);
}

/** Boots one replica of the real app; `replicaOf`: join the first one's database and bus prefix. */
function startService(mqttUrl: string, topicRoot: string, replicaOf?: { database: string; prefix: string }): Promise<TestApp<RemsIngestConfig>> {
  // Service settings can be tried without a rebuild: REMS_*, OUTBOX_* and DATABASE_POOL_SIZE pass through.
  const passed = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => /^(REMS_|OUTBOX_|DATABASE_POOL_SIZE$)/.test(e[0]) && e[1] !== undefined));
  return startTestApp({
    loadConfig: loadRemsIngestConfig,
    createModule: (config, logger) => AppModule.forRoot(config, logger),
    database: 'rems',
    env: {
      MQTT_URL: mqttUrl,
      REMS_MQTT_TOPIC_ROOT: topicRoot,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      REMS_DEVICE_CACHE_MS: '60000',
      DATABASE_POOL_SIZE: '12',
      REMS_MQTT_SESSION_EXPIRY_SECONDS: '300',
      // The relay publishes what a pass finds, up to this many rows: at thousands of frames a second
      // the platform default (500) makes it fall behind ingest, and 5000-row passes held PostgreSQL
      // long enough to slow the ingest commits (measured; see docs/rems-ingest.md).
      OUTBOX_BATCH_SIZE: '2000',
      // As deployed (deploy/k8s/base/rems-ingest.yaml): 0 deletes outbox rows once published.
      ...(manifestSetting('rems-ingest', 'OUTBOX_RETENTION_HOURS') ? { OUTBOX_RETENTION_HOURS: manifestSetting('rems-ingest', 'OUTBOX_RETENTION_HOURS')! } : {}),
      ...passed,
    },
    replicaOf: replicaOf as TestApp<RemsIngestConfig> | undefined,
  });
}

/** A further replica in a worker thread, until told to stop. */
async function replica({ mqttUrl, topicRoot, database, prefix }: { mqttUrl: string; topicRoot: string; database: string; prefix: string }): Promise<void> {
  const port = parentPort!;
  const app = await startService(mqttUrl, topicRoot, { database, prefix });
  port.on('message', async () => {
    await app.close();
    port.postMessage({ closed: true });
    port.close();
  });
  port.postMessage({ ready: true });
}

async function main(): Promise<void> {
  const topicRoot = `/bench_${uniqueSuffix()}/rems`;
  const broker = await startBroker();
  const t = await startService(broker.url, topicRoot);
  process.once('SIGINT', () => void t.close().finally(() => void broker.stop().finally(() => process.exit(130))));
  const db = new pg.Client({ connectionString: t.config.DATABASE_URL });
  await db.connect();
  await db.query(`INSERT INTO tenant (alias, name) VALUES ('bench', 'bench')`);
  const { rows } = await db.query(
    `INSERT INTO transceiver (transceiver_id, tenant_alias, serial_id, status)
     SELECT 'MATA' || lpad(to_hex(g), 10, '0'), 'bench', 'S' || g, 'ACTIVE' FROM generate_series(1, $1) g RETURNING transceiver_id`,
    [DEVICES],
  );
  const setup: Setup = {
    mqttUrl: broker.url,
    topic: `${topicRoot}/mqtt3/meter`,
    transceiverIds: rows.map((r) => r.transceiver_id as string),
    subject: `${t.prefix}.${Subjects.RemsMeasurementDecoded}`,
  };

  const sentChannel = new MessageChannel();
  const obs = new Worker(new URL(import.meta.url), { workerData: { role: 'observer', setup, sentPort: sentChannel.port2 }, transferList: [sentChannel.port2] });
  const pub = new Worker(new URL(import.meta.url), { workerData: { role: 'publisher', setup, sentPort: sentChannel.port1 }, transferList: [sentChannel.port1] });
  const cnt = new Worker(new URL(import.meta.url), { workerData: { role: 'counter', setup } });
  let counterState = { counted: 0, first: 0, last: 0 };
  let delivered = 0;
  let lastDelivery = 0;
  let final: { delivered: number; first: number; last: number; lags: number[] } | undefined;
  let onDone: (n: number) => void = () => undefined;
  let sendMs = NaN;
  const pubReady = new Promise<void>((resolve) =>
    pub.on('message', (m: FromPublisher) => {
      if ('ready' in m) resolve();
      else {
        if (m.sendMs !== undefined) sendMs = m.sendMs;
        onDone(m.done);
      }
    }),
  );
  const cntReady = new Promise<void>((resolve) =>
    cnt.on('message', (m: FromCounter) => {
      if ('ready' in m) resolve();
      else counterState = m;
    }),
  );
  const obsReady = new Promise<void>((resolve) =>
    obs.on('message', (m: FromObserver) => {
      if ('ready' in m) resolve();
      else if ('final' in m) final = m.final;
      else ({ delivered, last: lastDelivery } = m);
    }),
  );
  const replicas = Array.from({ length: REPLICAS - 1 }, () => new Worker(new URL(import.meta.url), { workerData: { role: 'replica', service: { mqttUrl: broker.url, topicRoot, database: t.database, prefix: t.prefix } } }));
  await Promise.all([pubReady, cntReady, obsReady, ...replicas.map((w) => new Promise((resolve) => w.once('message', resolve)))]);

  // BENCH_DEBUG=1: once a second, what the service holds (unacknowledged per connection, frames waiting for a batch).
  const internals = t.app.get(MqttMeterSubscriber) as unknown as { connections: { unacknowledged: number }[] };
  const batcher = (t.app.get(IngestService) as unknown as { batcher: { pending: unknown[]; inFlight: number } }).batcher;
  let elu = performance.eventLoopUtilization();
  const debug = process.env.BENCH_DEBUG
    ? setInterval(() => {
        const busy = performance.eventLoopUtilization(elu);
        elu = performance.eventLoopUtilization();
        console.log(
          `  [debug] on JetStream ${delivered}, unacked ${internals.connections.map((c) => c.unacknowledged).join('/')}, batcher pending ${batcher.pending.length}, writing ${batcher.inFlight}, service event loop ${(busy.utilization * 100).toFixed(0)} % busy`,
        );
      }, 1000)
    : undefined;
  // BENCH_HEAP_PROFILE=file: a sampling heap profile of the service's thread during the run, counting
  // collected objects too (what --heap-prof leaves out), i.e. where the garbage comes from.
  const heapProfile = process.env.BENCH_HEAP_PROFILE ? new inspector.Session() : undefined;
  if (heapProfile) {
    heapProfile.connect();
    await heapProfile.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  }
  const loadBefore = loadavg();
  const started = now();
  const published = await new Promise<number>((resolve) => {
    onDone = resolve;
    pub.postMessage({ run: { rate: RATE, seconds: SECONDS } } satisfies ToWorker);
  });
  const publishedAt = now();
  const deadline = Date.now() + DRAIN_TIMEOUT_S * 1000;
  while ((delivered < published || counterState.counted < published) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

  clearInterval(debug);
  if (heapProfile) {
    const { profile } = (await heapProfile.post('HeapProfiler.stopSampling')) as { profile: unknown };
    writeFileSync(process.env.BENCH_HEAP_PROFILE!, JSON.stringify(profile));
    heapProfile.disconnect();
  }
  pub.postMessage({ stop: true } satisfies ToWorker);
  cnt.postMessage({ stop: true } satisfies ToWorker);
  obs.postMessage({ stop: true } satisfies ToWorker);
  for (let i = 0; i < 100 && !final; i++) await new Promise((r) => setTimeout(r, 50));
  await Promise.all([pub.terminate(), cnt.terminate(), obs.terminate()]);
  await Promise.all(
    replicas.map(async (w) => {
      const closed = new Promise((resolve) => w.once('message', resolve));
      w.postMessage({ stop: true });
      await closed;
      await w.terminate();
    }),
  );
  if (final) ({ delivered, last: lastDelivery } = final);
  const lags = final?.lags ?? [];
  const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
  const metric = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
  const batches = metric('rems_ingest_batch_seconds_count');
  // Frames this (first) replica committed: the counter has a series per channel and kind.
  const committedHere = [...metrics.matchAll(/^rems_frames_ingested_total\{[^}]*\} (\S+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  const batchMs = (metric('rems_ingest_batch_seconds_sum') / batches) * 1000;
  const receiptToCommitMs = (metric('rems_ingest_lag_seconds_sum') / metric('rems_ingest_lag_seconds_count')) * 1000;
  const [{ frames, rejected }] = (await db.query(`SELECT (SELECT count(*)::int FROM raw_frame) AS frames, (SELECT count(*)::int FROM rejected_message) AS rejected`)).rows;
  const reasons = Object.fromEntries((await db.query(`SELECT reason, count(*)::int AS n FROM rejected_message GROUP BY reason`)).rows.map((row) => [row.reason, row.n]));
  await db.end();
  await t.close();
  await broker.stop();

  const sorted = lags.sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  // Rates of both subscribers the same way, first to last message received, so the ratio compares
  // like with like (a service that keeps up has about the offered rate, whatever its constant lag);
  // `endToEndPerS` divides by the time from the first publish to the last event instead.
  const firstDelivery = final?.first ?? started;
  const appSeconds = (lastDelivery - firstDelivery) / 1000;
  const appRate = delivered / Math.max(appSeconds, 1e-9);
  const endToEndSeconds = (lastDelivery - started) / 1000;
  const bareSeconds = (counterState.last - counterState.first) / 1000;
  const bareRate = counterState.counted / Math.max(bareSeconds, 1e-9);
  const r = (x: number) => +x.toFixed(1);
  const load = (l: number[]) => l.map((x) => +x.toFixed(2));
  const result = {
    broker: broker.url,
    load: { before: load(loadBefore), after: load(loadavg()) },
    replicas: REPLICAS,
    offered: { ratePerS: RATE, seconds: SECONDS, published, publishSeconds: r((publishedAt - started) / 1000), achievedPerS: Math.round(published / (sendMs / 1000)), devices: DEVICES, clients: CLIENTS },
    service: { delivered, framesStored: frames, rejected, rejectedReasons: reasons, seconds: r(appSeconds), sustainedPerS: Math.round(appRate), endToEndPerS: Math.round(delivered / endToEndSeconds), p50Ms: r(pct(50)), p90Ms: r(pct(90)), p99Ms: r(pct(99)), maxMs: r(sorted[sorted.length - 1]) },
    inside: { batches, framesPerBatch: r(committedHere / batches), meanBatchCommitMs: r(batchMs), meanReceiptToCommitMs: r(receiptToCommitMs), duplicatesDropped: metric('rems_mqtt_duplicates_total') },
    bareSubscriber: { counted: counterState.counted, seconds: r(bareSeconds), ratePerS: Math.round(bareRate) },
    ratio: +(appRate / bareRate).toFixed(2),
  };
  console.log('MQTT (Mosquitto, QoS 1) → rems-ingest: decode, batch insert + outbox, fast path (relay as safety net) → JetStream');
  console.log(`  broker ${broker.url}${process.env.BENCH_MQTT_URL ? '' : ' (private Mosquitto, max_queued_messages 1000000)'}; load average before ${result.load.before.join(' ')}, after ${result.load.after.join(' ')}`);
  console.log(
    `  offered ${RATE}/s for ${SECONDS} s: ${published} frames sent in ${r(sendMs / 1000)} s (${result.offered.achievedPerS}/s actually offered; all acknowledged by the broker after ${result.offered.publishSeconds} s) from ${CLIENTS} clients for ${DEVICES} transceivers; ${REPLICAS} service replica(s)`,
  );
  console.log(
    `  service: ${result.service.sustainedPerS} frames/s decoded, persisted and published, first to last event (${delivered}/${published} on JetStream, ${frames} raw frames stored; ` +
      `${result.service.endToEndPerS}/s from the first publish to the last event) [target ≥ 10000/s: ${appRate >= 10_000 && delivered === published ? 'met' : 'MISSED'}]`,
  );
  console.log(`  ingest lag publish → JetStream: p50 ${result.service.p50Ms} ms, p90 ${result.service.p90Ms} ms, p99 ${result.service.p99Ms} ms, max ${result.service.maxMs} ms [target p99 < 1000 ms: ${pct(99) < 1000 ? 'met' : 'MISSED'}]`);
  console.log(`  inside the service${REPLICAS > 1 ? ' (first replica)' : ''}: ${batches} batches, ${result.inside.framesPerBatch} frames each, mean commit ${result.inside.meanBatchCommitMs} ms, mean receipt → commit ${result.inside.meanReceiptToCommitMs} ms`);
  console.log(`  bare counting subscriber: ${result.bareSubscriber.ratePerS} msg/s, first to last message (${counterState.counted} counted); service/bare ratio ${result.ratio}`);
  console.log(JSON.stringify(result));
}

/**
 * The service runs with a larger young generation, as docs/rems-ingest.md advises for production
 * (NODE_OPTIONS=--max-semi-space-size=64): messages in process live a few hundred ms, and V8's
 * default semi-space made every scavenge copy them (GC was a quarter of the service's thread).
 * Without the flag on the command line the benchmark runs itself again with it; BENCH_SEMI_SPACE_MB=0
 * keeps V8's default.
 */
function rerunWithYoungGeneration(): boolean {
  const mb = process.env.BENCH_SEMI_SPACE_MB ?? '64';
  if (mb === '0' || [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => a.startsWith('--max-semi-space-size'))) return false;
  const run = spawnSync(process.execPath, [`--max-semi-space-size=${mb}`, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exitCode = run.status ?? 1;
  return true;
}

const data = workerData as { role: string; setup: Setup; sentPort: MessagePort; service: { mqttUrl: string; topicRoot: string; database: string; prefix: string } } | null;
if (isMainThread) {
  if (!rerunWithYoungGeneration()) await main();
} else if (data?.role === 'replica') await replica(data.service);
else if (data?.role === 'publisher') await publisher(data.setup, data.sentPort);
else if (data?.role === 'observer') await observer(data.setup, data.sentPort);
else if (data) await counter(data.setup);
