/**
 * Benchmark: the OCPI hub against the real PostgreSQL/NATS/Redis.
 *
 * The hub runs alone in the main thread. A worker thread plays every partner: one 2.2.1 CPO and
 * BENCH_PARTNERS (default 50) 2.2.1 eMSPs, each a real HTTP server that registers through the
 * credentials handshake. Two figures:
 *
 * 1. GET locations, page of 100, served from the cache (1,000 cached Locations), by
 *    BENCH_GET_CONCURRENCY (default 16) keep-alive clients for BENCH_GET_SECONDS (default 10):
 *    requests per second and latency percentiles.
 * 2. Broadcast fan-out: BENCH_PATCHES (default 200) EVSE status PATCHes from the CPO, one at a
 *    time; for each, the time from sending the PATCH until the last of the 50 eMSPs received it.
 *
 * BENCH_LOG_LEVEL (default warn) is the hub's LOG_LEVEL: `info` writes the one-line request log of
 * every GET to stdout, as production does (pipe through `grep -v '^{'`). The event-loop
 * utilisation of both threads during the GETs shows which one was the limit.
 */
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { sampleLocation221 } from '@cpo/ocpi-protocol';
import { startTestApp } from '@cpo/testing';
import pg from 'pg';
import { AppModule } from '../apps/ocpi-hub/src/app.module.js';
import { loadOcpiHubConfig } from '../apps/ocpi-hub/src/config.js';

const PARTNERS = Number(process.env.BENCH_PARTNERS ?? 50);
const GET_SECONDS = Number(process.env.BENCH_GET_SECONDS ?? 10);
const GET_CONCURRENCY = Number(process.env.BENCH_GET_CONCURRENCY ?? 16);
const PATCHES = Number(process.env.BENCH_PATCHES ?? 200);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'warn';
const LOCATIONS = 1000;
const VERIFY_EVERY = 50;
const ENVELOPE_END = Buffer.from('],"status_code":1000,"timestamp":"');
const API_KEY = 'test-operator-key-0123456789';

type PartyDef = { countryCode: string; partyId: string; role: 'CPO' | 'EMSP' };
type ToWorker = { kind: 'register'; index: number; versionsUrl: string; tokenA: string } | { kind: 'get' } | { kind: 'fanout' };
type FromWorker = { kind: 'ready' } | { kind: 'registered'; index: number } | { kind: 'get'; requests: number; seconds: number; latencies: number[]; errors: number; busy: number } | { kind: 'fanout'; latencies: number[] };

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const parties: PartyDef[] = [{ countryCode: 'NL', partyId: 'BCP', role: 'CPO' }, ...Array.from({ length: PARTNERS }, (_, i) => ({ countryCode: 'FR', partyId: `E${String(i).padStart(2, '0')}`, role: 'EMSP' as const }))];

/** Worker: every partner's HTTP server, the handshakes, and both load generators. */
async function partnersThread(): Promise<void> {
  const port = parentPort!;
  const servers: Server[] = [];
  const bases: string[] = [];
  const tokenB = parties.map((_, i) => `bench-token-b-${i}-0123456789abcdef`);
  const tokenC: string[] = [];
  const hubUrls: Record<string, string>[] = [];
  const arrivals = new Map<string, number[]>();
  const ok = (data?: unknown) => JSON.stringify({ data, status_code: 1000, timestamp: new Date().toISOString() });
  for (let i = 0; i < parties.length; i += 1) {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.setHeader('Content-Type', 'application/json');
        const path = req.url ?? '/';
        if (path === '/versions') return res.end(ok([{ version: '2.2.1', url: `${bases[i]}/2.2.1` }]));
        if (path === '/2.2.1') {
          const modules = ['credentials', 'locations', 'tokens', 'sessions', 'cdrs', 'commands'];
          return res.end(ok({ version: '2.2.1', endpoints: modules.flatMap((m) => [{ identifier: m, role: 'RECEIVER', url: `${bases[i]}/${m}` }, { identifier: m, role: 'SENDER', url: `${bases[i]}/${m}/sender` }]) }));
        }
        if (req.method === 'PATCH') {
          const marker = (JSON.parse(Buffer.concat(chunks).toString()) as { last_updated: string }).last_updated;
          const list = arrivals.get(marker) ?? [];
          list.push(performance.now());
          arrivals.set(marker, list);
        }
        res.end(ok());
      });
    });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
    bases.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }
  const call = async (method: string, url: string, token: string, body?: unknown) => {
    const res = await fetch(url, { method, headers: { Authorization: `Token ${Buffer.from(token).toString('base64')}`, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as { data?: unknown; status_code: number } };
  };

  port.on('message', async (m: ToWorker) => {
    if (m.kind === 'register') {
      const p = parties[m.index];
      const versions = (await call('GET', m.versionsUrl, m.tokenA)).json.data as { version: string; url: string }[];
      const details = (await call('GET', versions.find((v) => v.version === '2.2.1')!.url, m.tokenA)).json.data as { endpoints: { identifier: string; role: string; url: string }[] };
      hubUrls[m.index] = Object.fromEntries(details.endpoints.map((e) => [`${e.identifier}:${e.role}`, e.url]));
      const creds = { token: tokenB[m.index], url: `${bases[m.index]}/versions`, roles: [{ role: p.role, business_details: { name: p.partyId }, party_id: p.partyId, country_code: p.countryCode }] };
      const res = await call('POST', hubUrls[m.index]['credentials:SENDER'], m.tokenA, creds);
      if (res.json.status_code !== 1000) throw new Error(`registration of ${p.partyId} failed: ${JSON.stringify(res.json)}`);
      tokenC[m.index] = (res.json.data as { token: string }).token;
      port.postMessage({ kind: 'registered', index: m.index } satisfies FromWorker);
    } else if (m.kind === 'get') {
      // node:http with a keep-alive agent rather than fetch: undici's web streams and parsing every
      // 58 KB page took more CPU than the hub itself, on the same two cores. Every response is
      // checked (status, envelope, X-Total-Count); one in VERIFY_EVERY is parsed and counted in full.
      const url = new URL(`${hubUrls[1]['locations:SENDER']}?limit=100&offset=200`);
      const agent = new Agent({ keepAlive: true, maxSockets: GET_CONCURRENCY });
      const auth = `Token ${Buffer.from(tokenC[1]).toString('base64')}`;
      const getOnce = () =>
        new Promise<{ status: number; body: Buffer; total?: string }>((resolve, reject) => {
          const req = httpRequest(url, { agent, headers: { Authorization: auth } }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), total: res.headers['x-total-count'] as string | undefined }));
            res.on('error', reject);
          });
          req.on('error', reject);
          req.end();
        });
      const latencies: number[] = [];
      let errors = 0;
      const until = performance.now() + GET_SECONDS * 1000;
      const started = performance.now();
      const elu = performance.eventLoopUtilization();
      await Promise.all(
        Array.from({ length: GET_CONCURRENCY }, async () => {
          while (performance.now() < until) {
            const t = performance.now();
            const res = await getOnce();
            const n = latencies.length;
            // The envelope's end is searched in the bytes, from the back: decoding every 58 kB page
            // to a string was the generator's largest cost after parsing.
            const okEnvelope = res.status === 200 && res.total === String(LOCATIONS) && res.body.lastIndexOf(ENVELOPE_END) > res.body.length - 80;
            if (!okEnvelope || (n % VERIFY_EVERY === 0 && (JSON.parse(res.body.toString('utf8')) as { data: unknown[] }).data.length !== 100)) errors += 1;
            latencies.push(performance.now() - t);
          }
        }),
      );
      agent.destroy();
      const busy = performance.eventLoopUtilization(elu).utilization;
      port.postMessage({ kind: 'get', requests: latencies.length, seconds: (performance.now() - started) / 1000, latencies, errors, busy } satisfies FromWorker);
    } else {
      const latencies: number[] = [];
      const url = `${hubUrls[0]['locations:RECEIVER']}/NL/BCP/L0000/3256`;
      for (let i = 0; i < PATCHES; i += 1) {
        const marker = new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString().replace('.000Z', 'Z');
        const sent = performance.now();
        const res = await call('PATCH', url, tokenC[0], { status: i % 2 ? 'CHARGING' : 'AVAILABLE', last_updated: marker });
        if (res.json.status_code !== 1000) throw new Error(`PATCH refused: ${JSON.stringify(res.json)}`);
        const deadline = performance.now() + 10_000;
        while ((arrivals.get(marker)?.length ?? 0) < PARTNERS && performance.now() < deadline) await new Promise((r) => setImmediate(r));
        const got = arrivals.get(marker) ?? [];
        if (got.length < PARTNERS) throw new Error(`only ${got.length}/${PARTNERS} partners received PATCH ${i}`);
        latencies.push(Math.max(...got) - sent);
      }
      port.postMessage({ kind: 'fanout', latencies } satisfies FromWorker);
      for (const s of servers) s.closeAllConnections();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    }
  });
  port.postMessage({ kind: 'ready' } satisfies FromWorker);
}

async function main(): Promise<void> {
  const hub = await startTestApp({ loadConfig: loadOcpiHubConfig, createModule: AppModule.forRoot, database: 'ocpi_bench', env: { LOG_LEVEL, OCPI_FANOUT_CONCURRENCY: '64' } });
  const worker = new Worker(new URL(import.meta.url), { workerData: { partners: true } });
  const waiters = new Map<string, (m: FromWorker) => void>();
  worker.on('error', (err) => {
    console.error('partner thread failed', err);
    process.exit(1);
  });
  worker.on('message', (m: FromWorker) => {
    const key = m.kind === 'registered' ? `registered:${m.index}` : m.kind;
    waiters.get(key)?.(m);
  });
  const next = <K extends string>(key: K) => new Promise<FromWorker>((r) => waiters.set(key, r));
  try {
    await next('ready');
    const api = async (path: string, body: unknown) => {
      const res = await fetch(`${hub.baseUrl}/api/v1/ocpi/${path}`, { method: 'POST', headers: { 'X-API-Key': API_KEY, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      if (res.status !== 201) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { tokenA: string; versionsUrl: string };
    };
    for (let i = 0; i < parties.length; i += 1) {
      const c = await api('connections', { name: `bench-${parties[i].partyId}`, parties: [parties[i]] });
      const done = next(`registered:${i}`);
      worker.postMessage({ kind: 'register', index: i, versionsUrl: c.versionsUrl, tokenA: c.tokenA } satisfies ToWorker);
      await done;
      if (i > 0) await api('agreements', { cpo: { countryCode: 'NL', partyId: 'BCP' }, emsp: { countryCode: parties[i].countryCode, partyId: parties[i].partyId } });
    }
    const client = new pg.Client({ connectionString: hub.config.DATABASE_URL });
    await client.connect();
    for (let i = 0; i < LOCATIONS; i += 1) {
      const loc = sampleLocation221({ countryCode: 'NL', partyId: 'BCP', id: `L${String(i).padStart(4, '0')}` });
      await client.query(`INSERT INTO ocpi_object (module, country_code, party_id, object_id, data, source_version, last_updated) VALUES ('locations', 'NL', 'BCP', $1, $2, '2.2.1', $3)`, [loc.id, JSON.stringify(loc), loc.last_updated]);
    }
    await client.end();

    const hubElu = performance.eventLoopUtilization();
    worker.postMessage({ kind: 'get' } satisfies ToWorker);
    const get = (await next('get')) as Extract<FromWorker, { kind: 'get' }>;
    const hubBusy = performance.eventLoopUtilization(hubElu).utilization;
    const gl = get.latencies.sort((a, b) => a - b);
    worker.postMessage({ kind: 'fanout' } satisfies ToWorker);
    const fan = (await next('fanout')) as Extract<FromWorker, { kind: 'fanout' }>;
    const fl = fan.latencies.sort((a, b) => a - b);
    const f = (n: number) => n.toFixed(1);
    console.log(`GET locations (page of 100 from 1,000 cached, ${GET_CONCURRENCY} clients, ${GET_SECONDS} s, LOG_LEVEL ${LOG_LEVEL}): ${(get.requests / get.seconds).toFixed(0)} req/s, ${get.errors} errors; latency ms p50 ${f(pct(gl, 50))} p95 ${f(pct(gl, 95))} p99 ${f(pct(gl, 99))}`);
    console.log(`  event loop busy during the GETs: hub ${(hubBusy * 100).toFixed(0)} %, load generator ${(get.busy * 100).toFixed(0)} %`);
    console.log(`Location PATCH broadcast to ${PARTNERS} partners (${PATCHES} PATCHes, one at a time): fan-out ms (PATCH sent → last partner received) p50 ${f(pct(fl, 50))} p95 ${f(pct(fl, 95))} p99 ${f(pct(fl, 99))} max ${f(fl[fl.length - 1])}`);
    console.log('Measured on a shared 2-core machine: hub, PostgreSQL and all partners compete for the same cores, so figures are pessimistic.');
  } finally {
    await worker.terminate();
    await hub.close();
  }
}

if (isMainThread) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else if ((workerData as { partners?: boolean }).partners) {
  void partnersThread();
}
