import type { Socket } from 'node:net';
import { Subjects } from '@cpo/contracts';
import { SessionRegistry } from '../src/connection/session-registry.js';
import type { StationSession } from '../src/connection/station-session.js';
import { ocppSuite, RawClient, uniqueStation } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The charger sends its close frame (masked, mask 0: the payload as is; 1000), then stops reading
 * and keeps TCP open: the central system's close frame and FIN stay unread, so the close handshake
 * never completes on its side (as in closing-race.int-spec.ts).
 */
function closeFrameThenQuiet(client: RawClient): void {
  const socket = (client.ws as unknown as { _socket: Socket })._socket;
  socket.removeAllListeners('data');
  socket.pause();
  socket.write(Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]));
}

/**
 * A close the charger starts (its close frame) is handled like one we start: the calls it can no
 * longer carry fail at once, and a handshake it never finishes is cut off after the same bound
 * (CLOSE_HANDSHAKE_MS, 5 s), not ws's 30 s close timer.
 */
describe("OCPP: a close the charger starts (its close frame, TCP kept open)", () => {
  const CALL_TIMEOUT_MS = 8_000;
  const { ocpp, command } = ocppSuite({ OCPP_UNKNOWN_STATION_POLICY: 'auto-register', OCPP_CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS) });
  const clients: RawClient[] = [];
  const open = async (id: string) => {
    const client = await RawClient.open(`${ocpp().wsUrl}/${id}`);
    clients.push(client);
    return client;
  };
  const session = (id: string): StationSession | undefined => ocpp().app.app.get(SessionRegistry).holding(id);
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  it('the command queued behind the unanswered one answers Offline at once, not Timeout; so does the one in flight', async () => {
    const id = uniqueStation();
    const charger = await open(id);
    const first = command(id, 'ClearCache', {});
    expect(await charger.next()).toEqual([2, expect.any(String), 'ClearCache', {}]);
    const second = command(id, 'ClearCache', {});
    // The second is queued behind the first (never sent: the charger has not answered).
    for (let i = 0; i < 200 && session(id)?.queueDepth !== 2; i++) await sleep(10);
    expect(session(id)?.queueDepth).toBe(2);

    const started = Date.now();
    closeFrameThenQuiet(charger);
    // Never written to the socket: the charger cannot have acted on it (no mayHaveActed).
    expect(await second).toEqual({ status: 503, body: { status: 'error', code: 'Offline', description: 'the station disconnected before the call was sent' } });
    // After the close frame no answer can come (RFC 6455 §5.5.1): the call in flight ends as well, its outcome unknown.
    expect(await first).toMatchObject({ status: 503, body: { code: 'Offline', mayHaveActed: true } });
    expect(Date.now() - started).toBeLessThan(1_500);
  }, 20_000);

  it('a handshake the charger never finishes: the socket is terminated after the bound and the disconnection recorded, not after 30 s', async () => {
    const id = uniqueStation();
    const charger = await open(id);
    const held = session(id)!;
    expect(held).toBeDefined();

    const started = Date.now();
    closeFrameThenQuiet(charger);
    let timer: NodeJS.Timeout | undefined;
    const reason = await Promise.race([held.closed, new Promise((r) => (timer = setTimeout(() => r('still open after 10 s'), 10_000)))]);
    clearTimeout(timer);
    const elapsed = Date.now() - started;
    expect(reason).toBe('closed by charger (1000)');
    expect(elapsed).toBeGreaterThanOrEqual(4_500);
    expect(elapsed).toBeLessThan(6_000);
    const h = ocpp();
    for (let i = 0; i < 100 && h.events.of(Subjects.OcppStationDisconnected, id).length === 0; i++) await sleep(20);
    expect(h.events.of(Subjects.OcppStationDisconnected, id)).toEqual([expect.objectContaining({ stationId: id })]);
  }, 20_000);
});
