/**
 * Benchmark: events through outbox → relay → JetStream → durable consumer
 * (with its own DB commit), against the real PostgreSQL and NATS.
 *
 * Two "services", as in production: a producing service (a worker thread:
 * producer transactions that change state and write outbox rows, plus the
 * outbox relay) and a consuming service (the main thread: a durable consumer
 * whose batch handler writes a row per event in one statement, committed with
 * the inbox entries).
 *
 * Phase 1 offers a fixed rate (default 1,000 events/s, one event per producer
 * transaction) and reports end-to-end latency from the producer's commit to
 * the consumer's commit. Phase 2 lets producers write as fast as they can
 * (50 events per transaction by default, e.g. a planner writing a plan for 50
 * stations; BENCH_EVENTS_PER_TX changes it) and reports sustained throughput: events
 * committed by the consumer per second, backlog drained.
 */
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { sampleEvents, Streams, Subjects } from '@cpo/contracts';
import { BusNames, DurableConsumer, ensureStreams, MessagingMetrics, messagingSchema, OutboxRelay, OutboxWriter } from '@cpo/messaging';
import { createDatabase, deleteStreams, dropDatabase, testServers, uniqueSuffix } from '@cpo/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { DataSource, type QueryRunner } from 'typeorm';

const RATE = Number(process.env.BENCH_RATE ?? 1000);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const THROUGHPUT_SECONDS = Number(process.env.BENCH_THROUGHPUT_SECONDS ?? 10);
const PRODUCERS = Number(process.env.BENCH_PRODUCERS ?? 4);
const EVENTS_PER_TX = Number(process.env.BENCH_EVENTS_PER_TX ?? 50);
const now = () => performance.timeOrigin + performance.now(); // comparable across threads

class BenchSchema1700000000001 {
  name = 'BenchSchema1700000000001';
  async up(q: QueryRunner) {
    await messagingSchema.up(q);
    await q.query(`CREATE TABLE producer_state (id int PRIMARY KEY, changes bigint NOT NULL)`);
    await q.query(`INSERT INTO producer_state SELECT g, 0 FROM generate_series(0, 63) g`);
    await q.query(`CREATE TABLE consumer_state (event_id uuid PRIMARY KEY, station_id text NOT NULL, energy_wh double precision)`);
  }
  async down() {}
}

interface Setup {
  url: string;
  prefix: string;
}
type ToProducer = { phase: 'rate'; rate: number; seconds: number } | { phase: 'flat-out'; seconds: number; producers: number } | { phase: 'stop' };
type FromProducer = { sent: [string, number][] } | { done: number } | { ready: true };

const logger = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' });
const metrics = new MessagingMetrics(new Registry());

async function open(url: string, prefix: string, pool: number) {
  const ds = new DataSource({ type: 'postgres', url, migrations: [BenchSchema1700000000001], extra: { max: pool } });
  await ds.initialize();
  const nc = await connect({ servers: testServers.nats });
  return { ds, nc, js: jetstream(nc), jsm: await jetstreamManager(nc), names: new BusNames(prefix) };
}

/** The producing service: state changes with outbox rows, and the relay. */
async function producerService({ url, prefix }: Setup): Promise<void> {
  const port = parentPort!;
  const { ds, nc, js, names } = await open(url, prefix, 12);
  const relay = new OutboxRelay({ databaseUrl: url, js, names, logger, metrics, batchSize: 500, pollIntervalMs: 1000, retentionHours: 1 });
  await relay.start();
  const writer = new OutboxWriter('bench');
  const payload = sampleEvents[Subjects.OcppMeterSampled];
  let row = 0;
  let sent: [string, number][] = [];
  const flush = setInterval(() => {
    if (sent.length) port.postMessage({ sent } satisfies FromProducer);
    sent = [];
  }, 5);
  const produce = async (n: number) => {
    const ids = await ds.transaction(async (tx) => {
      await tx.query(`UPDATE producer_state SET changes = changes + 1 WHERE id = $1`, [row++ % 64]);
      return writer.enqueueMany(tx, Array.from({ length: n }, () => ({ subject: Subjects.OcppMeterSampled, payload })));
    });
    const t = now();
    for (const id of ids) sent.push([id, t]);
  };
  port.on('message', async (m: ToProducer) => {
    if (m.phase === 'stop') {
      clearInterval(flush);
      await relay.stop();
      await nc.close();
      await ds.destroy();
      port.postMessage({ done: 0 } satisfies FromProducer);
      return;
    }
    let produced = 0;
    if (m.phase === 'rate') {
      // Paced every 5 ms; each event is its own transaction.
      const tickMs = 5;
      const total = m.rate * m.seconds;
      const perTick = Math.max(1, Math.round((m.rate * tickMs) / 1000));
      const start = performance.now();
      const inflight = new Set<Promise<void>>();
      for (let tick = 0; produced < total; tick++) {
        const wait = start + tick * tickMs - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        for (let i = 0; i < perTick && produced < total; i++, produced++) {
          const p = produce(1).finally(() => inflight.delete(p));
          inflight.add(p);
        }
      }
      await Promise.all(inflight);
    } else {
      const stopAt = performance.now() + m.seconds * 1000;
      await Promise.all(
        Array.from({ length: m.producers }, async () => {
          while (performance.now() < stopAt) {
            await produce(EVENTS_PER_TX);
            produced += EVENTS_PER_TX;
          }
        }),
      );
    }
    setTimeout(() => port.postMessage({ done: produced } satisfies FromProducer), 10);
  });
  port.postMessage({ ready: true } satisfies FromProducer);
}

/** The consuming service, and the orchestration. */
async function main(): Promise<void> {
  const suffix = uniqueSuffix();
  const database = `bench_${suffix}`;
  const prefix = `bench_${suffix}`;
  const url = await createDatabase(database);
  // A failed or interrupted run must not leave its database and streams behind.
  cleanup = async () => {
    await dropDatabase(database).catch(() => undefined);
    await deleteStreams(prefix).catch(() => undefined);
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  const { ds, nc, js, jsm, names } = await open(url, prefix, 8);
  await ds.runMigrations();
  await ensureStreams(jsm, names, 1);

  const sentAt = new Map<string, number>();
  const early = new Map<string, number>(); // committed before the producer's timestamp arrived
  let latencies: number[] = [];
  let committed = 0;
  const record = (id: string, sent: number, done: number) => latencies.push(done - sent);

  const consumer = new DurableConsumer(
    {
      durable: 'bench',
      stream: Streams.OCPP,
      filterSubject: Subjects.OcppMeterSampled,
      maxAckPending: 5000,
      maxBatch: 500,
      // One multi-row INSERT per batch, as a meter-ingesting consumer would do.
      batchHandler: async (events, tx) => {
        const rows = events.map((e) => e.payload as (typeof sampleEvents)[typeof Subjects.OcppMeterSampled]);
        await tx.query(`INSERT INTO consumer_state SELECT * FROM unnest($1::uuid[], $2::text[], $3::float8[])`, [
          events.map((e) => e.id),
          rows.map((p) => p.stationId),
          rows.map((p) => p.samples[0]?.value ?? null),
        ]);
      },
      afterCommit: (events) => {
        const t = now();
        committed += events.length;
        for (const e of events) {
          const s = sentAt.get(e.id);
          if (s === undefined) early.set(e.id, t);
          else {
            record(e.id, s, t);
            sentAt.delete(e.id);
          }
        }
      },
    },
    { js, jsm, names, dataSource: ds, logger, metrics },
  );
  await consumer.start();

  const worker = new Worker(new URL(import.meta.url), { workerData: { url, prefix } satisfies Setup });
  let onDone: (n: number) => void = () => undefined;
  worker.on('error', (err) => {
    console.error('producer service failed', err);
    process.exit(1);
  });
  const ready = new Promise<void>((resolve) =>
    worker.on('message', (m: FromProducer) => {
      if ('ready' in m) resolve();
      else if ('done' in m) onDone(m.done);
      else
        for (const [id, t] of m.sent) {
          const c = early.get(id);
          if (c !== undefined) {
            record(id, t, c);
            early.delete(id);
          } else sentAt.set(id, t);
        }
    }),
  );
  await ready;
  const run = (m: ToProducer) => new Promise<number>((resolve) => ((onDone = resolve), worker.postMessage(m)));
  const drained = async (expected: number, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (committed < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    if (committed < expected) throw new Error(`only ${committed}/${expected} events arrived`);
  };
  const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

  // Warm-up: JIT, pools, pull loop.
  await drained(await run({ phase: 'rate', rate: 500, seconds: 2 }), 30_000);
  latencies = [];

  const t1 = performance.now();
  const base1 = committed;
  const offered = await run({ phase: 'rate', rate: RATE, seconds: LATENCY_SECONDS });
  await drained(base1 + offered, 60_000);
  const s1 = (performance.now() - t1) / 1000;
  const lat = [...latencies].sort((a, b) => a - b);

  latencies = [];
  const t2 = performance.now();
  const base2 = committed;
  const produced = await run({ phase: 'flat-out', seconds: THROUGHPUT_SECONDS, producers: PRODUCERS });
  await drained(base2 + produced, 120_000);
  const s2 = (performance.now() - t2) / 1000;
  const lat2 = [...latencies].sort((a, b) => a - b);

  await run({ phase: 'stop' });
  await worker.terminate();
  await consumer.stop();
  const [{ applied }] = await ds.query(`SELECT count(*)::int AS applied FROM consumer_state`);
  await nc.close();
  await ds.destroy();
  await dropDatabase(database);
  await deleteStreams(prefix);

  const sustained = produced / s2;
  const r = (x: number) => +x.toFixed(2);
  const result = {
    latency: { offeredPerS: RATE, deliveredPerS: Math.round(lat.length / s1), events: lat.length, p50Ms: r(pct(lat, 50)), p90Ms: r(pct(lat, 90)), p99Ms: r(pct(lat, 99)), maxMs: r(lat[lat.length - 1]) },
    throughput: { producers: PRODUCERS, eventsPerTransaction: EVENTS_PER_TX, events: produced, seconds: r(s2), sustainedPerS: Math.round(sustained), p50Ms: r(pct(lat2, 50)), p99Ms: r(pct(lat2, 99)) },
    appliedRows: applied,
  };
  console.log('outbox → JetStream → durable consumer, producer commit → consumer commit');
  console.log(
    `  latency at ${RATE} events/s offered (1 event per producer transaction): p50 ${result.latency.p50Ms} ms, p90 ${result.latency.p90Ms} ms, p99 ${result.latency.p99Ms} ms, max ${result.latency.maxMs} ms, ${lat.length} events` +
      `  [target p99 < 50 ms: ${result.latency.p99Ms < 50 ? 'met' : 'MISSED'}]`,
  );
  console.log(
    `  sustained: ${result.throughput.sustainedPerS} events/s (${produced} events, ${PRODUCERS} producers × ${EVENTS_PER_TX} events/transaction, ${result.throughput.seconds} s incl. drain)` +
      `  [target ≥ 5000/s: ${sustained >= 5000 ? 'met' : 'MISSED'}]`,
  );
  console.log(JSON.stringify(result));
  if (applied !== committed) throw new Error(`consumer applied ${applied} rows but committed ${committed} events`);
}

let cleanup = async () => undefined as void;
if (isMainThread)
  await main().catch(async (err: unknown) => {
    await cleanup();
    throw err;
  });
else await producerService(workerData as Setup);
