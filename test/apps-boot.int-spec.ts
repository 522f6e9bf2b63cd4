import type { DynamicModule } from '@nestjs/common';
import type { PlatformConfig } from '@cpo/platform';
import { startTestApp } from '@cpo/testing';
import pg from 'pg';
import type { Logger } from 'pino';
import { AppModule as OcpiHub } from '../apps/ocpi-hub/src/app.module.js';
import { loadOcpiHubConfig } from '../apps/ocpi-hub/src/config.js';
import { AppModule as Ocpp } from '../apps/ocpp/src/app.module.js';
import { loadOcppConfig } from '../apps/ocpp/src/config.js';
import { AppModule as Oscp } from '../apps/oscp/src/app.module.js';
import { loadOscpConfig } from '../apps/oscp/src/config.js';
import { AppModule as Planner } from '../apps/planner/src/app.module.js';
import { loadPlannerConfig } from '../apps/planner/src/config.js';
import { AppModule as RemsIngest } from '../apps/rems-ingest/src/app.module.js';
import { loadRemsIngestConfig } from '../apps/rems-ingest/src/config.js';

interface Case {
  name: string;
  database: string;
  load: (env: NodeJS.ProcessEnv) => PlatformConfig;
  module: (config: never, logger: Logger) => DynamicModule;
  ready: string[];
}

const cases: Case[] = [
  { name: 'ocpp', database: 'ocpp', load: loadOcppConfig, module: Ocpp.forRoot, ready: ['database', 'redis', 'nats'] },
  { name: 'oscp', database: 'oscp', load: loadOscpConfig, module: Oscp.forRoot, ready: ['database', 'redis', 'nats'] },
  { name: 'planner', database: 'planner', load: loadPlannerConfig, module: Planner.forRoot, ready: ['database', 'redis', 'nats'] },
  { name: 'rems-ingest', database: 'rems', load: loadRemsIngestConfig, module: RemsIngest.forRoot, ready: ['database', 'redis', 'mqtt', 'nats'] },
  { name: 'ocpi-hub', database: 'ocpi', load: loadOcpiHubConfig, module: OcpiHub.forRoot, ready: ['database', 'redis', 'nats'] },
];

describe.each(cases)('$name boots for real', (c) => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  beforeAll(async () => {
    t = await startTestApp({ loadConfig: c.load, createModule: c.module as (config: PlatformConfig, logger: Logger) => DynamicModule, database: c.database });
  });
  afterAll(() => t?.close());

  it('creates its own database and runs its migrations', async () => {
    const client = new pg.Client({ connectionString: t.config.DATABASE_URL });
    await client.connect();
    const { rows } = await client.query(`SELECT name FROM migrations`);
    const tables = await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`);
    await client.end();
    expect(rows.map((r) => r.name)).toContain('Messaging1732300000000');
    expect(tables.rows.map((r) => r.tablename)).toEqual(expect.arrayContaining(['outbox', 'inbox']));
  });

  it('is alive and ready, with every dependency it uses checked', async () => {
    expect((await fetch(`${t.baseUrl}/health`)).status).toBe(200);
    const ready = await fetch(`${t.baseUrl}/health/ready`);
    const body = (await ready.json()) as { status: string; info: Record<string, { status: string }> };
    expect(ready.status).toBe(200);
    expect(body.status).toBe('ok');
    for (const dep of c.ready) expect(body.info[dep]?.status).toBe('up');
  });

  it('exposes Prometheus metrics including HTTP request counts', async () => {
    await fetch(`${t.baseUrl}/health`);
    const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toMatch(/http_requests_total\{[^}]*route="\/health"[^}]*\} [1-9]/);
    expect(text).toContain('http_request_duration_seconds_bucket');
  });

  it('serves OpenAPI at /docs and /docs-json', async () => {
    const doc = (await (await fetch(`${t.baseUrl}/docs-json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health', '/health/ready', '/api/v1/system']));
    expect((await fetch(`${t.baseUrl}/docs`)).status).toBe(200);
  });

  it('guards the operator API with the API key and answers JSON errors', async () => {
    const denied = await fetch(`${t.baseUrl}/api/v1/system`);
    expect(denied.status).toBe(401);
    expect(await denied.json()).toMatchObject({ statusCode: 401, error: 'unauthorized' });
    const wrong = await fetch(`${t.baseUrl}/api/v1/system`, { headers: { 'X-API-Key': 'not-the-key-at-all' } });
    expect(wrong.status).toBe(401);
    const ok = await fetch(`${t.baseUrl}/api/v1/system`, { headers: { 'X-API-Key': 'test-operator-key-0123456789' } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ service: c.name, busPrefix: t.prefix });
  });

  it('takes the correlation id from the request and echoes it', async () => {
    const res = await fetch(`${t.baseUrl}/health`, { headers: { 'X-Correlation-ID': 'corr-123' } });
    expect(res.headers.get('x-correlation-id')).toBe('corr-123');
    const minted = await fetch(`${t.baseUrl}/health`);
    expect(minted.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
