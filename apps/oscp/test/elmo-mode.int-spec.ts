import { startHarness, waitFor, type Harness, type Json } from './harness.js';

const NOW = '2024-10-01T01:00:00.000Z';

/** The testbed in production-like `elmo` mode: it replies to our Register and handshakes by itself. */
describe('registration against ELMO-mode behaviour', () => {
  let h: Harness;
  let partnerId: string;
  const state = async (id = partnerId) => (await h.op('GET', `/partners/${id}`)).body.state;

  beforeAll(async () => {
    h = await startHarness({
      start: NOW,
      testbedEnv: { ELMO_TESTBED_REGISTER_MODE: 'elmo', ELMO_TESTBED_HANDSHAKE_DELAY_MS: '200' },
      oscpEnv: { OSCP_REGISTER_REPLY_TIMEOUT_MS: '1500' },
    });
    await h.setNow(NOW);
  });
  afterAll(() => h?.close(), 30_000);

  it('refuses forecast triggers while the FP is not connected (409)', async () => {
    const r = await h.sim('POST', '/trigger-callback/2.0/update_group_capacity_forecast', {
      callback_url: `${h.oscp.baseUrl}/oscp/fp/2.0/update_group_capacity_forecast`,
      header: { authorization: 'x' },
      purpose: 'negotiation_assign_capacity',
      group_id: 'G',
      capacity: 10,
    });
    expect(r.status).toBe(409);
  });

  it('ends CONNECTED from one POST register: token rotated, reply, handshake 5 s later, ack correlated', async () => {
    const created = await h.op('POST', '/partners', { name: 'elmo', baseUrl: `${h.testbed.baseUrl}/oscp/2.0`, initialToken: 'ELMO-TESTBED-TOKEN', ourBaseUrl: `${h.oscp.baseUrl}/oscp/fp/2.0` });
    partnerId = created.body.id;
    await h.op('PUT', `/partners/${partnerId}/groups/G`, { contractCapacityKw: 100 });
    await h.op('POST', `/partners/${partnerId}/register`);
    await waitFor(async () => (await state()) === 'CONNECTED', 'CONNECTED');
    const log = (await h.sim('GET', '/_sim/log')).body as Json[];
    const handshake = log.find((e) => e.direction === 'out' && e.path.endsWith('/handshake'));
    const ack = (await h.sim('GET', '/_sim/received')).body.acks[0];
    expect(ack.correlationId).toBe(handshake.headers['x-request-id']);
    // T0 is burnt: presenting it again is refused.
    const replay = await fetch(`${h.testbed.baseUrl}/oscp/2.0/register`, {
      method: 'POST',
      headers: { authorization: 'Token ELMO-TESTBED-TOKEN', 'x-request-id': 'again', 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'x', version_url: [{ version: '2.0', base_url: 'https://example.com/oscp/fp/2.0' }] }),
    });
    expect(replay.status).toBe(403);
  });

  it('resyncs with POST register using the current token and reconnects', async () => {
    await h.op('POST', `/partners/${partnerId}/register`);
    await waitFor(async () => (await h.sim('GET', '/_sim/received')).body.acks.length === 2, 'second ack');
    await waitFor(async () => (await state()) === 'CONNECTED', 'CONNECTED again');
    const registers = ((await h.sim('GET', '/_sim/log?direction=in')).body as Json[]).filter((e) => e.path === '/oscp/2.0/register');
    expect(registers.map((e) => e.status)).toEqual([204, 403, 204]);
    // Our token was rotated by the resync; once the provider used the new one, the old one is dead.
    const [oldToken, newToken] = [registers[0].body.token, registers[2].body.token];
    expect(newToken).not.toBe(oldToken);
    const heartbeat = (token: string) =>
      fetch(`${h.oscp.baseUrl}/oscp/fp/2.0/heartbeat`, {
        method: 'POST',
        headers: { authorization: `Token ${token}`, 'x-request-id': `hb-${token.slice(0, 6)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ offline_mode_at: '2030-01-01T00:00:00Z' }),
      });
    expect((await heartbeat(oldToken)).status).toBe(403);
    expect((await heartbeat(newToken)).status).toBe(204);
  });

  it('goes NEEDS_TOKEN when the Register reply cannot reach us', async () => {
    const created = await h.op('POST', '/partners', { name: 'unreachable', baseUrl: `${h.testbed.baseUrl}/oscp/2.0`, initialToken: 'x', ourBaseUrl: 'http://127.0.0.1:9/oscp/fp/2.0' });
    // The testbed holds one CSMS record; give it the token it now expects, as its admin would.
    await h.sim('POST', '/_sim/reset');
    await h.op('PUT', `/partners/${created.body.id}/initial-token`, { initialToken: 'ELMO-TESTBED-TOKEN' });
    await h.op('POST', `/partners/${created.body.id}/register`);
    await waitFor(async () => (await state(created.body.id)) === 'REGISTER_SENT', 'REGISTER_SENT');
    await waitFor(async () => (await state(created.body.id)) === 'NEEDS_TOKEN', 'NEEDS_TOKEN');
  });
});
