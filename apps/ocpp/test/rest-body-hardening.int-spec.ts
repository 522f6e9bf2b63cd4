import { captureLogs } from '@cpo/testing';
import { api, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

/**
 * The operator REST API's bodies and queries (explorer h5, items 3, 4 and 7): null where it means
 * nothing, deeply nested bodies and non-JSON bodies were 500s or read as something else; a DTO's 400
 * gave its details in a shape the OpenAPI document does not describe.
 */
describe('OCPP REST API: bodies and queries are refused with a 400/415 naming the problem, never a 500', () => {
  const logs = captureLogs();
  let h: OcppHarness;
  beforeAll(async () => {
    h = await startOcpp({ LOG_LEVEL: 'info' }, undefined, { logDestination: logs.destination });
  });
  afterAll(() => h?.close());

  const raw = async (method: string, path: string, body: string, contentType = 'application/json') => {
    const res = await fetch(`${h.app.baseUrl}${path}`, { method, body, headers: { 'x-api-key': 'test-operator-key-0123456789', 'content-type': contentType } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('PUT /id-tags {"status": null} is a 400 naming status (it was a NOT NULL violation whose log line held the tag); null expiry and parent still mean none', async () => {
    const tag = uniqueStation('NUL').toUpperCase();
    const res = await api(h, 'PUT', `/api/v1/id-tags/${tag}`, { status: null });
    expect(res).toMatchObject({ status: 400, body: { error: 'validation', details: { status: expect.stringContaining('status must be one of') } } });
    expect((await api(h, 'GET', `/api/v1/id-tags/${tag}`)).status).toBe(404);
    expect(await api(h, 'PUT', `/api/v1/id-tags/${tag}`, { status: 'Blocked', expiryDate: null, parentIdTag: null })).toMatchObject({ status: 201, body: { status: 'Blocked', expiryDate: null, parentIdTag: null } });
    expect(await api(h, 'PATCH', `/api/v1/id-tags/${tag}`, { status: null })).toMatchObject({ status: 400, body: { details: { status: expect.any(String) } } });
    expect(logs.text()).not.toContain(tag);
  });

  it('PUT /stations with a null field is a 400 naming it (a null password was a TypeError in scrypt)', async () => {
    const id = uniqueStation('NULPW');
    for (const field of ['password', 'securityProfile', 'registrationStatus', 'validationPolicy', 'subprotocolAliases', 'missingSubprotocol']) {
      const res = await api(h, 'PUT', `/api/v1/stations/${id}`, { [field]: null });
      expect({ field, status: res.status, named: Object.keys(res.body.details ?? {}) }).toEqual({ field, status: 400, named: [field] });
    }
    expect((await api(h, 'GET', `/api/v1/stations/${id}`)).status).toBe(404);
  });

  it('a body nested 4,000 levels deep (8 KB) is a 400, on every body route', async () => {
    const deep = `{"x":${'['.repeat(4000)}${']'.repeat(4000)}}`;
    for (const [method, path] of [['PUT', '/api/v1/id-tags/DEEP1'], ['PATCH', '/api/v1/id-tags/DEEP1'], ['PUT', '/api/v1/stations/DEEP-1'], ['POST', '/api/v1/commands/bulk']]) {
      const res = await raw(method!, path!, deep);
      expect({ path, status: res.status, error: res.body['error'] }).toEqual({ path, status: 400, error: 'validation' });
    }
  });

  it('a text/plain or form body is a 415, not read as {} (a PUT would have replaced the token with its defaults)', async () => {
    const tag = uniqueStation('MEDIA').toUpperCase();
    expect((await api(h, 'PUT', `/api/v1/id-tags/${tag}`, { status: 'Blocked' })).status).toBe(201);
    expect(await raw('PUT', `/api/v1/id-tags/${tag}`, '{"status":"Blocked"}', 'text/plain')).toMatchObject({ status: 415, body: { error: 'unsupported_media_type' } });
    expect(await raw('PUT', `/api/v1/id-tags/${tag}`, 'status=Accepted', 'application/x-www-form-urlencoded')).toMatchObject({ status: 415 });
    expect((await api(h, 'GET', `/api/v1/id-tags/${tag}`)).body).toMatchObject({ status: 'Blocked' });
  });

  it('paging integers are decimal only, and a 400 gives field → message as documented', async () => {
    for (const query of ['limit=', 'limit=0x10', 'offset=', 'offset=1e3']) {
      const res = await api(h, 'GET', `/api/v1/stations?${query}`);
      expect({ query, status: res.status, named: Object.keys(res.body.details ?? {}) }).toEqual({ query, status: 400, named: [query.split('=')[0]] });
    }
    expect(await api(h, 'GET', '/api/v1/stations?limit=1000000000')).toMatchObject({ status: 400, body: { statusCode: 400, error: 'validation', details: { limit: 'limit must not be greater than 1000' } } });
    expect(await api(h, 'GET', '/api/v1/stations?limit=16')).toMatchObject({ status: 200, body: { limit: 16 } });
  });
});
