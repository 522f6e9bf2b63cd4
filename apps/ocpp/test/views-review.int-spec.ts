import { api, startOcpp, testChargers, uniqueStation, type OcppHarness } from './harness.js';

type OpenApi = { paths: Record<string, Record<string, { responses?: Record<string, { description?: string; content?: Record<string, { schema?: Record<string, unknown> }> }> }>> };

describe('OCPP operator views (review)', () => {
  let h: OcppHarness;
  const { booted } = testChargers(() => h);
  beforeAll(async () => {
    h = await startOcpp();
  });
  afterAll(async () => {
    await h.close();
  });
  const openApi = async () => (await fetch(`${h.app.baseUrl}/docs-json`).then((r) => r.json())) as OpenApi;

  describe('PUT creates or replaces (RFC 9110 §9.3.4)', () => {
    it('PUT /id-tags/{idTag} answers 201 when it creates the token, 200 when it replaces it (in any case)', async () => {
      const tag = uniqueStation('TAG');
      const created = await api(h, 'PUT', `/api/v1/id-tags/${tag}`, { status: 'Accepted' });
      expect(created).toMatchObject({ status: 201, body: { idTag: tag, status: 'Accepted' } });
      const replaced = await api(h, 'PUT', `/api/v1/id-tags/${tag.toLowerCase()}`, { status: 'Blocked' });
      expect(replaced).toMatchObject({ status: 200, body: { idTag: tag, status: 'Blocked' } });
    });

    it('PUT /stations/{stationId} answers 201 when it registers the station, 200 when it updates it (also one a charger registered)', async () => {
      const id = uniqueStation();
      const created = await api(h, 'PUT', `/api/v1/stations/${id}`, { registrationStatus: 'Pending' });
      expect(created).toMatchObject({ status: 201, body: { id, registration_status: 'Pending' } });
      const updated = await api(h, 'PUT', `/api/v1/stations/${id}`, { registrationStatus: 'Accepted' });
      expect(updated).toMatchObject({ status: 200, body: { id, registration_status: 'Accepted' } });
      const cp = await booted();
      expect((await api(h, 'PUT', `/api/v1/stations/${cp.identity}`, { validationPolicy: 'lenient' })).status).toBe(200);
    });

    it('the OpenAPI document gives both answers of both PUTs', async () => {
      const doc = await openApi();
      for (const path of ['/api/v1/id-tags/{idTag}', '/api/v1/stations/{stationId}']) {
        expect({ path, responses: Object.keys(doc.paths[path]!['put']!.responses ?? {}).sort() }).toEqual({ path, responses: expect.arrayContaining(['200', '201']) });
      }
    });
  });
});
