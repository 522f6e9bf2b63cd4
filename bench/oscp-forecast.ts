/**
 * Benchmark: inbound OSCP forecast → `capacity.forecast.received` on the bus, against the real
 * oscp service (booted in-process on an ephemeral port with its own database and bus prefix),
 * real PostgreSQL and NATS, over real HTTP.
 *
 * Phase 1 offers a fixed rate (default 10 forecasts/s, ELMO sends a handful per day) and reports
 * the latency of the 204 (ELMO's limit is 20 s) and from the request to the event on the bus.
 * Phase 2 sends as fast as BENCH_CONCURRENCY clients can and reports sustained forecasts/s.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Subjects } from '@cpo/contracts';
import { NATS_CONNECTION } from '@cpo/messaging';
import { formatTaipei } from '@cpo/oscp-protocol';
import { startTestApp } from '@cpo/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { AppModule } from '../apps/oscp/src/app.module.js';
import { loadOscpConfig } from '../apps/oscp/src/config.js';

const RATE = Number(process.env.BENCH_RATE ?? 10);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 8);
const THROUGHPUT_SECONDS = Number(process.env.BENCH_THROUGHPUT_SECONDS ?? 8);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const TOKEN = 'bench-token-0123456789abcdefghijklmnopqrstuvwxyz';
const KEY = 'bench-operator-key-0123456789';

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function main(): Promise<void> {
  const app = await startTestApp({
    loadConfig: loadOscpConfig,
    createModule: (c, l) => AppModule.forRoot(c, l),
    database: 'oscp_bench',
    env: { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent', OPERATOR_API_KEY: KEY, OSCP_SCHEDULER_TICK_MS: '60000' },
  });
  try {
    const op = (method: string, path: string, body?: unknown) =>
      fetch(`${app.baseUrl}/api/v1/oscp${path}`, { method, headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }).then(
        (r) => r.json() as Promise<{ id: string }>,
      );
    const partner = await op('POST', '/partners', { name: 'bench', baseUrl: 'http://127.0.0.1:9/oscp/2.0', initialToken: 'T0' });
    await op('PUT', `/partners/${partner.id}/groups/G-1`, { contractCapacityKw: 500 });
    // Install the token the provider would present, as after a completed registration.
    const ds = app.app.get(DataSource);
    await ds.query(`UPDATE oscp_partner SET inbound_token_hash = $2, state = 'CONNECTED' WHERE id = $1`, [partner.id, createHash('sha256').update(TOKEN).digest('hex')]);

    const sentAt = new Map<string, number>();
    const busLatency: number[] = [];
    let busCount = 0;
    const nc = app.app.get<NatsConnection>(NATS_CONNECTION);
    const sub = nc.subscribe(`${app.prefix}.${Subjects.CapacityForecastReceived}`, {
      callback: (_e, msg) => {
        const id = (msg.json() as { requestId: string }).requestId;
        const t = sentAt.get(id);
        busCount++;
        if (t !== undefined) busLatency.push(performance.now() - t);
      },
    });

    let seq = 0;
    const start = Date.now() + 3_600_000;
    const body = JSON.stringify({
      group_id: 'G-1',
      type: 'CONSUMPTION',
      forecasted_blocks: [{ capacity: 50, phase: 'ALL', unit: 'KW', start_time: formatTaipei(start), end_time: formatTaipei(start + 3_600_000) }],
    });
    const send = async (record: boolean, answer: number[]) => {
      const id = `bench-${seq++}`;
      const t = performance.now();
      if (record) sentAt.set(id, t);
      const res = await fetch(`${app.baseUrl}/oscp/fp/2.0/update_group_capacity_forecast`, {
        method: 'POST',
        headers: { authorization: `Token ${TOKEN}`, 'x-request-id': id, 'content-type': 'application/json' },
        body,
      });
      await res.arrayBuffer();
      if (res.status !== 204) throw new Error(`unexpected ${res.status}`);
      answer.push(performance.now() - t);
    };

    // Phase 1: fixed rate.
    const answers: number[] = [];
    const total = RATE * LATENCY_SECONDS;
    const t0 = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const wait = t0 + (i * 1000) / RATE - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inflight.push(send(true, answers));
    }
    await Promise.all(inflight);
    const deadline = performance.now() + 10_000;
    while (busLatency.length < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    answers.sort((a, b) => a - b);
    busLatency.sort((a, b) => a - b);
    process.stdout.write(`phase 1: ${total} forecasts at ${RATE}/s\n`);
    process.stdout.write(`  204 answer     p50 ${fmt(pct(answers, 50))}  p99 ${fmt(pct(answers, 99))}  max ${fmt(answers[answers.length - 1])}\n`);
    process.stdout.write(`  on the bus     p50 ${fmt(pct(busLatency, 50))}  p99 ${fmt(pct(busLatency, 99))}  max ${fmt(busLatency[busLatency.length - 1])}  (${busLatency.length}/${total} seen)\n`);

    // Phase 2: flat out.
    const before = busCount;
    const flat: number[] = [];
    const t1 = performance.now();
    const stopAt = t1 + THROUGHPUT_SECONDS * 1000;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < stopAt) await send(false, flat);
    }));
    const sent = flat.length;
    const drainDeadline = performance.now() + 20_000;
    while (busCount - before < sent && performance.now() < drainDeadline) await new Promise((r) => setTimeout(r, 20));
    const elapsedS = (performance.now() - t1) / 1000;
    flat.sort((a, b) => a - b);
    process.stdout.write(`phase 2: ${CONCURRENCY} concurrent clients for ${THROUGHPUT_SECONDS} s\n`);
    process.stdout.write(`  accepted ${sent} (${(sent / THROUGHPUT_SECONDS).toFixed(0)}/s), on the bus ${busCount - before} (${((busCount - before) / elapsedS).toFixed(0)}/s incl. drain)\n`);
    process.stdout.write(`  204 answer under load  p50 ${fmt(pct(flat, 50))}  p99 ${fmt(pct(flat, 99))}  max ${fmt(flat[flat.length - 1])}\n`);
    await sub.drain();
  } finally {
    await app.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
