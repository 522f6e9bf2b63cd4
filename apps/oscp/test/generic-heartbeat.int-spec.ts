import { startHarness, waitFor, type Harness, type Json } from './harness.js';

const NOW = '2024-10-01T03:00:00.000Z';

/** Generic OSCP partners: heartbeats when the provider asks for them, OFFLINE when its own lapse. */
describe('generic-profile heartbeats', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ start: NOW });
    await h.setNow(NOW);
  });
  afterAll(() => h?.close(), 30_000);

  it('sends heartbeats at the interval the provider asked for, and goes OFFLINE when the provider lapses', async () => {
    const { partnerId, fpToken } = await h.connect('G', 100, [], 'generic');
    const post = (action: string, body: unknown) =>
      fetch(`${h.oscp.baseUrl}/oscp/fp/2.0/${action}`, {
        method: 'POST',
        headers: { authorization: `Token ${fpToken}`, 'x-request-id': `r-${action}-${Date.now()}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post('handshake', { required_behaviour: { heartbeat_interval: 1, measurement_configuration: [] } })).status).toBe(204);
    await waitFor(async () => (await h.op('GET', `/partners/${partnerId}`)).body.state === 'CONNECTED', 'CONNECTED after the new handshake');
    const heartbeats = async () => ((await h.sim('GET', '/_sim/log?direction=in')).body as Json[]).filter((e) => e.path === '/oscp/2.0/heartbeat');
    await waitFor(async () => (await heartbeats()).length >= 2, 'two heartbeats');
    const [first] = await heartbeats();
    expect(first.status).toBe(204);
    expect(Date.parse(first.body.offline_mode_at)).toBe(Date.parse(NOW) + 2000);

    expect((await post('heartbeat', { offline_mode_at: '2024-10-01T03:01:00.000Z' })).status).toBe(204);
    expect((await h.op('GET', `/partners/${partnerId}`)).body.state).toBe('CONNECTED');
    await h.setNow('2024-10-01T03:01:30.000Z');
    await waitFor(async () => (await h.op('GET', `/partners/${partnerId}`)).body.state === 'OFFLINE', 'OFFLINE');
  });

  it('lets a generic provider register first with the token we issued, and replies with a new one', async () => {
    const created = await h.op('POST', '/partners', { name: 'cp-initiated', profile: 'generic', baseUrl: `${h.testbed.baseUrl}/oscp/2.0`, ourBaseUrl: `${h.oscp.baseUrl}/oscp/fp/2.0` });
    const { token: issued } = (await h.op('POST', `/partners/${created.body.id}/inbound-token`)).body;
    const callback = `${h.oscp.baseUrl}/oscp/fp/2.0`;
    const reg = await h.sim('POST', '/trigger-callback/2.0/register', { callback_url: `${callback}/register`, header: { authorization: issued } });
    expect(reg.body.callback_status).toBe(204);
    const isReply = (e: Json) => e.path === '/oscp/2.0/register' && e.headers['x-correlation-id'] === reg.body.request_id;
    await waitFor(async () => ((await h.sim('GET', '/_sim/log?direction=in')).body as Json[]).some(isReply), 'our Register reply');
    const reply = ((await h.sim('GET', '/_sim/log?direction=in')).body as Json[]).find(isReply);
    expect(reply.status).toBe(204);
    const ours: string = reply.body.token;
    expect(ours).not.toBe(issued);
    const hs = await h.sim('POST', '/trigger-callback/2.0/handshake', { callback_url: `${callback}/handshake`, header: { authorization: ours } });
    expect(hs.body.callback_status).toBe(204);
    await waitFor(async () => (await h.op('GET', `/partners/${created.body.id}`)).body.state === 'CONNECTED', 'CONNECTED');
    const old = await h.sim('POST', '/trigger-callback/2.0/handshake', { callback_url: `${callback}/handshake`, header: { authorization: issued } });
    expect(old.body.callback_status).toBe(403);
  });
});
