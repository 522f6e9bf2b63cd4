import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { eventually } from '@cpo/testing';
import { SessionRegistry } from '../src/connection/session-registry.js';
import { api, RawClient, startOcpp, uniqueStation, upgradeStatus, type OcppHarness } from './harness.js';

/**
 * A charger at the TCP level: it sends an upgrade request written by hand (`headers` override the
 * valid ones, `undefined` leaves one out), reads whatever it is sent and answers nothing, not even
 * the close handshake, as a busy or half-open charger would.
 */
async function rawUpgrade(h: OcppHarness, path: string, headers: Record<string, string | undefined> = {}, method = 'GET') {
  const { hostname, port } = new URL(h.app.baseUrl);
  const socket: Socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  const all: Record<string, string | undefined> = {
    Host: `${hostname}:${port}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Protocol': 'ocpp1.6',
    ...headers,
  };
  const lines = Object.entries(all).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${v}\r\n`);
  socket.write(`${method} ${path} HTTP/1.1\r\n${lines.join('')}\r\n`);
  const closed = once(socket, 'close').then(() => 'socket closed');
  let received = '';
  const status = await new Promise<number>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (match && received.includes('\r\n\r\n')) resolve(Number(match[1]));
    });
    void closed.then(() => resolve(0));
  });
  return { status, socket, closed, received: () => received };
}

describe('OCPP credentials and connection review', () => {
  let h: OcppHarness;
  /** A second replica of `h` (same database and bus). */
  let b: OcppHarness;
  beforeAll(async () => {
    h = await startOcpp({ OCPP_UNKNOWN_STATION_POLICY: 'auto-register' });
    b = await startOcpp({ OCPP_UNKNOWN_STATION_POLICY: 'auto-register' }, h);
  });
  afterAll(async () => {
    await b.close();
    await h.close();
  });

  const basic = (id: string, key: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${key}`).toString('base64')}` });
  const put = async (id: string, body: unknown) => expect((await api(h, 'PUT', `/api/v1/stations/${id}`, body)).status).toBeLessThan(300);

  /** How the charger's socket was closed, if it is within a few seconds. */
  const closeOf = (charger: RawClient) => Promise.race([charger.closed, new Promise((resolve) => setTimeout(() => resolve('still open'), 5_000).unref())]);

  /** A command sent through `h` that the charger, connected to `b`, receives and answers: its session is still open. */
  async function stillConnected(charger: RawClient, id: string) {
    const reply = api(h, 'POST', `/api/v1/stations/${id}/commands/ClearCache`, {});
    const call = (await charger.next()) as [number, string, string];
    expect(call[2]).toBe('ClearCache');
    charger.send([3, call[1], { status: 'Accepted' }]);
    expect((await reply).status).toBe(200);
  }

  it('a new password closes the live session on the replica holding it; the charger comes back with the new one only', async () => {
    const id = uniqueStation('KEY');
    const [oldKey, newKey] = ['old-key-0123456789', 'new-key-0123456789'];
    await put(id, { securityProfile: 1, password: oldKey });
    const charger = await RawClient.open(`${b.wsUrl}/${id}`, 'ocpp1.6', basic(id, oldKey));
    // Nothing about its credentials changes: policy, status, name-like settings, the same key, the same profile.
    for (const change of [{ validationPolicy: 'lenient' }, { registrationStatus: 'Accepted' }, { missingSubprotocol: 'none' }, { password: oldKey }, { securityProfile: 1 }]) await put(id, change);
    await stillConnected(charger, id);
    await put(id, { password: newKey });
    expect(await closeOf(charger)).toEqual({ code: 4002, reason: expect.stringContaining('credentials changed') });
    expect(await upgradeStatus(`${b.wsUrl}/${id}`, 'ocpp1.6', basic(id, oldKey))).toBe(401);
    expect(await upgradeStatus(`${h.wsUrl}/${id}`, 'ocpp1.6', basic(id, oldKey))).toBe(401);
    expect(await upgradeStatus(`${b.wsUrl}/${id}`, 'ocpp1.6', basic(id, newKey))).toBe(101);
  });

  it('a raised security profile closes the session admitted without credentials under profile 0', async () => {
    const id = uniqueStation('PROF');
    const key = 'profile-key-0123456789';
    // The key is set ahead of the profile that puts it to use: under profile 0 the charger sends none.
    await put(id, { securityProfile: 0, password: key });
    const charger = await RawClient.open(`${b.wsUrl}/${id}`);
    await put(id, { securityProfile: 0 });
    await stillConnected(charger, id);
    await put(id, { securityProfile: 1 });
    expect(await closeOf(charger)).toMatchObject({ code: 4002 });
    expect(await upgradeStatus(`${b.wsUrl}/${id}`)).toBe(401);
    expect(await upgradeStatus(`${b.wsUrl}/${id}`, 'ocpp1.6', basic(id, key))).toBe(101);
  });

  it('an upgrade ws refuses anyway (bad key, wrong version, not a GET…) registers no station, even under auto-register', async () => {
    const malformed: [Record<string, string | undefined>, string, number][] = [
      [{ 'Sec-WebSocket-Key': 'not-a-key' }, 'GET', 400],
      [{ 'Sec-WebSocket-Key': undefined }, 'GET', 400],
      [{ 'Sec-WebSocket-Version': '12' }, 'GET', 400],
      [{ Upgrade: 'h2c' }, 'GET', 400],
      [{ 'Sec-WebSocket-Protocol': 'ocpp1.6,,ocpp2.0.1' }, 'GET', 400],
      [{}, 'POST', 405],
    ];
    for (const [headers, method, status] of malformed) {
      const id = uniqueStation('BAD');
      const attempt = await rawUpgrade(h, `${h.app.config.OCPP_PATH_PREFIX}/${id}`, headers, method);
      attempt.socket.destroy();
      expect({ headers, method, status: attempt.status }).toEqual({ headers, method, status });
      expect((await api(h, 'GET', `/api/v1/stations/${id}`)).status).toBe(404);
    }
    // The same request made valid registers the station (the policy is on).
    const id = uniqueStation('GOOD');
    const valid = await rawUpgrade(h, `${h.app.config.OCPP_PATH_PREFIX}/${id}`);
    expect(valid.status).toBe(101);
    valid.socket.destroy();
    expect((await api(h, 'GET', `/api/v1/stations/${id}`)).status).toBe(200);
  });

  it('commands queued for a station whose socket the central system closes answer Offline at once, not when the charger completes the close', async () => {
    const id = uniqueStation('MUTE');
    const charger = await rawUpgrade(h, `${h.app.config.OCPP_PATH_PREFIX}/${id}`);
    expect(charger.status).toBe(101);
    const registry = h.app.app.get(SessionRegistry);
    await eventually(() => registry.get(id) !== undefined);
    const events: string[] = [];
    const command = (action: string, payload: unknown) =>
      api(h, 'POST', `/api/v1/stations/${id}/commands/${action}?timeoutMs=60000`, payload).then((r) => events.push(`${action} ${r.status} ${r.body.code}`));
    // One CALL in flight (the charger never answers it), one queued behind it.
    const commands = [command('Reset', { type: 'Soft' }), command('ClearCache', {})];
    expect(await eventually(() => registry.get(id)?.queueDepth === 2)).toBe(true);
    void charger.closed.then((e) => events.push(e));
    // The station is deleted: its socket is closed by the central system, and the charger never answers the close.
    expect((await api(h, 'DELETE', `/api/v1/stations/${id}`)).status).toBe(204);
    await Promise.all(commands);
    await charger.closed;
    // Both ended at once (not by their 60 s timeout) while the socket was still waiting for the
    // charger's close; the central system ends that socket only later. The Reset was sent (Offline,
    // the charger may have acted); the ClearCache never left us, and its station is gone (404).
    expect(events).toEqual(['Reset 503 Offline', 'ClearCache 404 UnknownStation', 'socket closed']);
  }, 20_000);
});
