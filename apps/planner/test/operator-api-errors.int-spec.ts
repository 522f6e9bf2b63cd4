import { startTestApp, type TestApp } from '@cpo/testing';
import { AppModule } from '../src/app.module.js';
import { loadPlannerConfig, type PlannerConfig } from '../src/config.js';
import { call } from './operator-api.js';


/** The 400 names the field in its details: field (or dotted path below it) → message, DTO and service errors alike. */
function namesField(body: { details?: unknown }, field: string): boolean {
  const details = body.details;
  return typeof details === 'object' && details !== null && Object.keys(details).some((k) => k === field || k.startsWith(`${field}.`));
}

describe('planner operator API: bad input is a 400 naming the field, unknown things a 404', () => {
  let app: TestApp<PlannerConfig>;
  beforeAll(async () => {
    app = await startTestApp({ loadConfig: loadPlannerConfig, createModule: (c, l) => AppModule.forRoot(c, l), database: 'planner' });
    expect((await call(app, 'PUT', '/api/v1/groups/G-A', { contractKw: 100, stations: [{ stationId: 'S1', maxCurrentA: 32 }] })).status).toBe(200);
    expect((await call(app, 'PUT', '/api/v1/groups/G-B', { contractKw: 100, stations: [{ stationId: 'S2', maxCurrentA: 32 }] })).status).toBe(200);
  });
  afterAll(async () => {
    await app.close();
  });

  it('refuses a cap that ends before it starts', async () => {
    const now = Date.now();
    const res = await call(app, 'POST', '/api/v1/groups/G-A/caps', { start: new Date(now).toISOString(), end: new Date(now - 3_600_000).toISOString(), powerKw: 5, reason: 'x' });
    expect(res.status).toBe(400);
    expect(namesField(res.body, 'end')).toBe(true);
  });

  it('refuses a cap id that is not a UUID, and 404s a well-formed unknown one', async () => {
    const res = await call(app, 'DELETE', '/api/v1/groups/G-A/caps/not-a-uuid');
    expect(res.status).toBe(400);
    expect(namesField(res.body, 'capId')).toBe(true);
    expect((await call(app, 'DELETE', '/api/v1/groups/G-A/caps/3f0e7a4c-1b2d-4c5e-9f60-718293a4b5c6')).status).toBe(404);
  });

  it('refuses a station that lists a connector twice', async () => {
    const res = await call(app, 'PUT', '/api/v1/groups/G-A/stations/S3', { maxCurrentA: 16, connectors: [{ connectorId: 1 }, { connectorId: 1, maxCurrentA: 32 }] });
    expect(res.status).toBe(400);
    expect(namesField(res.body, 'connectors')).toBe(true);
  });

  it('removes a station only from the group named in the path', async () => {
    expect((await call(app, 'DELETE', '/api/v1/groups/NOPE-GROUP/stations/S2')).status).toBe(404);
    expect((await call(app, 'DELETE', '/api/v1/groups/G-A/stations/S2')).status).toBe(404);
    expect((await call(app, 'GET', '/api/v1/groups/G-B')).body.stations.map((s: { stationId: string }) => s.stationId)).toEqual(['S2']);
    expect((await call(app, 'DELETE', '/api/v1/groups/G-B/stations/S2')).status).toBe(204);
    expect((await call(app, 'GET', '/api/v1/groups/G-B')).body.stations).toEqual([]);
  });

  it('answers 404 with the same error body for an unknown group on every group route', async () => {
    for (const path of ['', '/caps', '/forecast-alerts', '/allocation', '/plans', '/timeline']) {
      const res = await call(app, 'GET', `/api/v1/groups/NOPE-GROUP${path}`);
      expect({ path, status: res.status, error: res.body?.error }).toEqual({ path, status: 404, error: 'not_found' });
    }
    const replan = await call(app, 'POST', '/api/v1/groups/NOPE-GROUP/replan');
    expect({ status: replan.status, error: replan.body?.error }).toEqual({ status: 404, error: 'not_found' });
  });

  it('describes the topology and cap bodies in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${app.baseUrl}/docs-json`)).json()) as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { $ref?: string; properties?: object } }> } }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    const bodyProps = (path: string, method: string) => {
      const schema = doc.paths[path]?.[method]?.requestBody?.content['application/json']?.schema;
      const resolved = schema?.$ref ? doc.components.schemas[schema.$ref.split('/').at(-1)!] : schema;
      return Object.keys((resolved as { properties?: object } | undefined)?.properties ?? {});
    };
    expect(bodyProps('/api/v1/groups/{groupId}', 'put')).toEqual(expect.arrayContaining(['contractKw', 'timeZone', 'stations']));
    expect(bodyProps('/api/v1/groups/{groupId}/stations/{stationId}', 'put')).toEqual(expect.arrayContaining(['maxCurrentA', 'connectors', 'connectorCount']));
    expect(bodyProps('/api/v1/groups/{groupId}/caps', 'post')).toEqual(expect.arrayContaining(['start', 'end', 'powerKw', 'reason']));
  });
});
