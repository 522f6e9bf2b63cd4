import pg from 'pg';
import { MeterApiListener } from '../src/meter-api/meter-api.listener.js';
import { OPERATOR_KEY, startRems, V1, type Json, type RemsTestApp } from './fixture.js';

/** The METER-API role on its own port (REMS_METER_HTTP_PORT): meter routes only, same app. */
describe('rems-ingest METER-API port', () => {
  let t: RemsTestApp;
  let meterUrl: string;
  beforeAll(async () => {
    t = await startRems({ REMS_METER_HTTP_PORT: '0' });
    const port = t.app.get(MeterApiListener).port;
    expect(port).toBeGreaterThan(0);
    expect(`http://127.0.0.1:${port}`).not.toBe(t.baseUrl);
    meterUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await t?.close();
  });

  async function meter(method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: Json }> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const res = await fetch(`${meterUrl}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  it('serves meter upload and both graph paths with the device envelope and auth', async () => {
    const d = await t.provision({ modules: { 0: 'SOLAR_PV_SINGLE' } });
    const { tokens } = await t.connect(d);
    expect(await meter('POST', '/api/v1/meter', { token: tokens.accessToken, body: { multi: 0, data: V1 } })).toEqual({ status: 200, body: { data: true } });
    const db = new pg.Client({ connectionString: t.config.DATABASE_URL });
    await db.connect();
    try {
      const rows = await db.query(`SELECT channel FROM raw_frame WHERE transceiver_id = $1`, [d.transceiverId]);
      expect(rows.rows).toEqual([{ channel: 'http' }]);
    } finally {
      await db.end();
    }
    for (const path of ['/api/v1/meter/graph', '/api/v1/energy/transceiver-meter/graph']) {
      const graph = await meter('POST', path, { token: tokens.accessToken, body: {} });
      expect(graph.status).toBe(200);
      expect(graph.body.data.values).toEqual(expect.any(Array));
    }
    const anonymous = await meter('POST', '/api/v1/meter', { body: { multi: 0, data: V1 } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toMatchObject({ error: true, status: 401, errorType: 'UNAUTHORIZED' });
    const bad = await meter('POST', '/api/v1/meter', { token: tokens.accessToken, body: { multi: 0, data: 'zz' } });
    expect(bad.body.error).toMatchObject({ status: 400, errorType: 'INVALID_METER_DATA' });
  });

  it('answers everything of the API role and the operator API with a 404 envelope, but probes work', async () => {
    const d = await t.provision();
    for (const [method, path, body] of [
      ['GET', `/api/v1/device/register/${d.tenantAlias}/${d.serialId}`, undefined],
      ['POST', '/api/v1/device/auth/sign-in', { serialId: d.serialId, tenantAlias: d.tenantAlias, password: 'x' }],
      ['GET', '/api/v1/device/process', undefined],
      ['GET', '/api/v1/rems/rejected', undefined],
      ['GET', '/docs', undefined],
    ] as const) {
      const res = await meter(method, path, { body, headers: { 'x-api-key': OPERATOR_KEY } });
      expect([path, res.status]).toEqual([path, 404]);
      expect(res.body.error).toMatchObject({ error: true, status: 404, fieldError: {} });
    }
    // The refused register did not activate the device: it still registers on the main port.
    expect((await t.call('GET', `/api/v1/device/register/${d.tenantAlias}/${d.serialId}`)).status).toBe(200);
    expect((await fetch(`${meterUrl}/health`)).status).toBe(200);
    expect((await fetch(`${meterUrl}/metrics`)).status).toBe(200);
  });
});
