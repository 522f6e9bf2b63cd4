import { startHarness, waitFor, type Harness, type Json } from './harness.js';

const NOW = '2024-10-01T02:00:00.000Z';
const forecastBody = (groupId = 'G-1') => ({
  group_id: groupId,
  type: 'CONSUMPTION',
  forecasted_blocks: [{ capacity: 50, phase: 'ALL', unit: 'KW', start_time: '2024-10-01T17:00:00.000+08:00', end_time: '2024-10-02T00:00:00.000+08:00' }],
});

describe('OSCP inbound: bad input and unhappy partners', () => {
  let h: Harness;
  let partnerId: string;
  let fpToken: string;
  let url: string;

  const post = (action: string, body: unknown, headers: Record<string, string>, raw?: string) =>
    fetch(`${url}/${action}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw ?? JSON.stringify(body) });
  const good = () => ({ authorization: `Token ${fpToken}`, 'x-request-id': `req-${Math.random()}` });
  const stored = async (): Promise<Json[]> => (await h.op('GET', '/forecasts')).body;

  beforeAll(async () => {
    h = await startHarness({ start: NOW, oscpEnv: { OSCP_HTTP_TIMEOUT_MS: '1000' } });
    await h.setNow(NOW);
    url = `${h.oscp.baseUrl}/oscp/fp/2.0`;
  });
  afterAll(() => h?.close(), 30_000);

  it('refuses any message before a token was exchanged (403) and stores nothing', async () => {
    const res = await post('update_group_capacity_forecast', forecastBody(), { authorization: 'Token ELMO-TESTBED-TOKEN', 'x-request-id': 'r1' });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ message: 'unknown token' });
  });

  it('strands a partner whose provider refuses the first Register: NEEDS_TOKEN, until a new initial token', async () => {
    const created = await h.op('POST', '/partners', { name: 'down', baseUrl: `${h.testbed.baseUrl}/oscp/2.0`, initialToken: 'ELMO-TESTBED-TOKEN', ourBaseUrl: url });
    await h.sim('POST', '/_sim/faults', { status: 500, count: 1 });
    await h.op('POST', `/partners/${created.body.id}/register`);
    await waitFor(async () => (await h.op('GET', `/partners/${created.body.id}`)).body.state === 'NEEDS_TOKEN', 'NEEDS_TOKEN');
    const audit = (await h.op('GET', `/outbound?partnerId=${created.body.id}`)).body[0];
    expect(audit).toMatchObject({ action: 'register', status: 'failed', attempts: 1, responseStatus: 500 });
    expect((await h.op('PUT', `/partners/${created.body.id}/initial-token`, { initialToken: 'NEW-T0' })).status).toBe(204);
    expect((await h.op('GET', `/partners/${created.body.id}`)).body).toMatchObject({ state: 'UNREGISTERED', hasInitialToken: true });
  });

  it('retries a slow acknowledge after the timeout and audits the attempts', async () => {
    await h.sim('POST', '/_sim/faults', { action: 'handshake_acknowledge', delayMs: 1500, count: 1 });
    ({ partnerId, fpToken } = await h.connect('G-1', 100));
    const ack = (await h.op('GET', `/outbound?partnerId=${partnerId}&action=handshake_acknowledge`)).body[0];
    expect(ack).toMatchObject({ status: 'sent', attempts: 2, responseStatus: 204 });
  });

  it.each([
    ['no Authorization', {}, 401],
    ['a Bearer token', { authorization: 'Bearer abc', 'x-request-id': 'r' }, 403],
    ['an unknown token', { authorization: 'Token nope', 'x-request-id': 'r' }, 403],
  ])('answers %s with its status and {message}', async (_case, headers, status) => {
    const res = await post('update_group_capacity_forecast', forecastBody(), headers as Record<string, string>);
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ message: expect.any(String) });
  });

  it('answers a missing X-Request-ID with 403', async () => {
    const res = await post('update_group_capacity_forecast', forecastBody(), { authorization: `Token ${fpToken}` });
    expect(res.status).toBe(403);
    expect(((await res.json()) as Json).message).toMatch(/X-Request-ID/);
  });

  it.each([
    ['negative capacity', { ...forecastBody(), forecasted_blocks: [{ ...forecastBody().forecasted_blocks[0], capacity: -5 }] }, /capacity/],
    ['no blocks', { ...forecastBody(), forecasted_blocks: [] }, /forecasted_blocks/],
    ['an unknown type', { ...forecastBody(), type: 'MAYBE' }, /type/],
    ['a time without offset', { ...forecastBody(), forecasted_blocks: [{ ...forecastBody().forecasted_blocks[0], start_time: '2024-10-01T17:00:00' }] }, /start_time/],
    ['an unknown group', forecastBody('NOT-MINE'), /unknown group_id/],
  ])('answers a forecast with %s with 400 {message} and stores nothing', async (_case, body, message) => {
    const before = (await stored()).length;
    const res = await post('update_group_capacity_forecast', body, good());
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).message).toMatch(message);
    expect(await stored()).toHaveLength(before);
  });

  it('answers malformed JSON with 400', async () => {
    const res = await post('update_group_capacity_forecast', undefined, good(), '{"group_id": ');
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).message).toEqual(expect.any(String));
  });

  it('answers unknown actions and wrong methods with 404', async () => {
    expect((await post('update_group_measurements', {}, good())).status).toBe(404);
    const put = await fetch(`${url}/handshake`, { method: 'PUT', headers: { 'content-type': 'application/json', ...good() }, body: '{}' });
    expect(put.status).toBe(404);
  });

  it('answers a valid message with 204 and an empty body', async () => {
    const res = await post('update_group_capacity_forecast', forecastBody(), good());
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    await waitFor(() => h.forecasts.length > 0, 'forecast published');
  });

  it('accepts the handshake variants and the acknowledge path spellings', async () => {
    for (const body of [{}, { measurement_configuration: ['CONTINUOUS'] }]) expect((await post('handshake', body, good())).status).toBe(204);
    expect((await post('handshake_acknowledgment', {}, good())).status).toBe(204);
    await waitFor(async () => (await h.op('GET', `/partners/${partnerId}`)).body.state === 'CONNECTED', 'reconnected after the extra handshakes');
  });

  it('still applies a forecast when not connected, and raises the alarm', async () => {
    await h.sim('POST', '/_sim/faults', { status: 500, count: 20 });
    expect((await post('handshake', {}, good())).status).toBe(204);
    await waitFor(async () => (await h.op('GET', `/partners/${partnerId}`)).body.state === 'NEEDS_RESYNC', 'NEEDS_RESYNC after failed acks');
    await h.sim('POST', '/_sim/faults', { count: 0 });
    const before = h.forecasts.length;
    expect((await post('update_group_capacity_forecast', forecastBody(), good())).status).toBe(204);
    await waitFor(() => h.forecasts.length === before + 1, 'forecast published');
    const metrics = await (await fetch(`${h.oscp.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/oscp_forecast_anomalies_total\{[^}]*reason="not_connected"[^}]*\} 1/);
  });

  it('unregisters on DELETE register', async () => {
    const res = await fetch(`${url}/register`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/json', ...good() },
      body: JSON.stringify({ token: 'x', version_url: [{ version: '2.0', base_url: '/oscp/2.0' }] }),
    });
    expect(res.status).toBe(204);
    expect((await h.op('GET', `/partners/${partnerId}`)).body).toMatchObject({ state: 'UNREGISTERED', hasOutboundToken: false });
  });
});
