import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { eventually } from '@cpo/testing';
import { SessionRegistry } from '../src/connection/session-registry.js';
import { api, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

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
  beforeAll(async () => {
    h = await startOcpp({ OCPP_UNKNOWN_STATION_POLICY: 'auto-register' });
  });
  afterAll(async () => {
    await h.close();
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
    // Both ended as Offline (not by their 60 s timeout) while the socket was still waiting for the
    // charger's close; the central system ends that socket only later.
    expect(events).toEqual(['Reset 503 Offline', 'ClearCache 503 Offline', 'socket closed']);
  }, 20_000);
});
