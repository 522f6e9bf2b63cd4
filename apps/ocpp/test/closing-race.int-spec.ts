import type { Socket } from 'node:net';
import { ocppCommandSubject } from '@cpo/contracts';
import { eventually, testServers } from '@cpo/testing';
import { connect, createInbox } from '@nats-io/transport-node';
import { PresenceStore } from '../src/connection/presence-store.js';
import { SessionRegistry } from '../src/connection/session-registry.js';
import { api, missClaims, RawClient, replicaPair, uniqueStation, type OcppHarness } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether the replica still has the station's socket (open or closing: its `close` event not yet seen). */
function stillHeld(h: OcppHarness, stationId: string): boolean {
  return (h.app.app.get(SessionRegistry) as unknown as { held: Map<string, unknown> }).held.has(stationId);
}

/**
 * The charger stops reading and keeps TCP open: what the central system sends from here on (its
 * close frame, its FIN) stays unread, so the close handshake never completes. With `closeFrame`
 * it first sends its own close frame (masked, mask 0: the payload as is; 1000).
 */
function goQuiet(client: RawClient, closeFrame: boolean): void {
  const socket = (client.ws as unknown as { _socket: Socket })._socket;
  socket.removeAllListeners('data');
  socket.pause();
  if (closeFrame) socket.write(Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]));
}

/**
 * A replica whose session is closing (either side's close frame sent, the handshake not over)
 * stops serving the station's command subject at once, not when its socket finally closes: a
 * command must get the answer of the replica the charger reconnected to, never this one's
 * `Offline` (or Timeout) for a command the charger carried out.
 * B's session claim would make A let go too, but only once it arrives; lost (core NATS is at
 * most once) or slower than the request, A served the subject until its socket closed (ws's
 * close timer, 30 s, for a charger that keeps TCP open). A misses every claim here, so that
 * window stays open.
 */
describe('OCPP commands while a session is closing (review)', () => {
  const { a, b, open } = replicaPair({ OCPP_UNKNOWN_STATION_POLICY: 'auto-register', OCPP_CALL_TIMEOUT_MS: '1000' });
  const clearCache = (h: OcppHarness, stationId: string) => api(h, 'POST', `/api/v1/stations/${encodeURIComponent(stationId)}/commands/ClearCache`, {});
  /**
   * The charger's second connection, on B, attached there: B serves the station's command subject
   * and wrote its presence (after subscribing). Commanded earlier, a busy machine's command could
   * find no replica serving the subject (503 Offline, no CALL for the charger).
   */
  const openOnB = async (id: string) => {
    const client = await open(b(), id);
    const presences = b().app.app.get(PresenceStore);
    expect(await eventually(async () => (await presences.read([id]))[0]?.replicaId === 'replica-b')).toBe(true);
    return client;
  };
  /** The charger answers the next CALL it gets (ClearCache) with Accepted. */
  const accept = async (client: RawClient) => {
    const call = (await client.next()) as [number, string, string, unknown];
    expect(call).toEqual([2, expect.any(String), 'ClearCache', {}]);
    client.send([3, call[1], { status: 'Accepted' }]);
  };

  beforeAll(() => missClaims(a()));

  it("the charger's close frame on A (TCP kept open), then B: every reply to a command is B's, with the charger's answer", async () => {
    const id = uniqueStation();
    const first = await open(a(), id);
    goQuiet(first, true);
    const second = await openOnB(id);
    expect(stillHeld(a(), id)).toBe(true);

    const nc = await connect({ servers: testServers.nats });
    try {
      // Every reply, not just the first: A must not answer at all (not even later, a Timeout).
      const inbox = createInbox();
      const replies: unknown[] = [];
      nc.subscribe(inbox, { callback: (_err, msg) => void replies.push(msg.json()) });
      nc.publish(`${a().app.prefix}.${ocppCommandSubject(id)}`, JSON.stringify({ action: 'ClearCache', payload: {} }), { reply: inbox });
      await accept(second);
      // Past the call timeout: a copy of the command on A, its CALL never sent, would have answered by then.
      await sleep(1_500);
      expect(replies).toEqual([{ status: 'ok', payload: { status: 'Accepted' } }]);
    } finally {
      await nc.close();
    }
    // Through A's own API as well.
    const reply = clearCache(a(), id);
    await accept(second);
    expect(await reply).toMatchObject({ status: 200, body: { status: 'ok', payload: { status: 'Accepted' } } });
    expect(stillHeld(a(), id)).toBe(true);
  }, 20_000);

  it('A closing the session itself (credentials changed, 4002) to a charger that never completes the handshake: a command gets B\'s charger, not 503 Offline', async () => {
    const id = uniqueStation();
    const first = await open(a(), id);
    goQuiet(first, false);
    a().app.app.get(SessionRegistry).holding(id)!.close('credentials changed; reconnect with the new ones', 4002);
    const second = await openOnB(id);
    expect(stillHeld(a(), id)).toBe(true);

    const reply = clearCache(a(), id);
    await accept(second);
    expect(await reply).toMatchObject({ status: 200, body: { status: 'ok', payload: { status: 'Accepted' } } });
    expect(stillHeld(a(), id)).toBe(true);
  }, 20_000);

  it("no replica holds the station once its session on A is closing: the requester's no-responders answers Offline at once", async () => {
    const id = uniqueStation();
    const first = await open(a(), id);
    goQuiet(first, true);
    // The close frame has reached A once it no longer counts the socket open.
    const registry = a().app.app.get(SessionRegistry);
    for (let i = 0; i < 100 && registry.holding(id); i++) await sleep(10);
    expect(registry.holding(id)).toBeUndefined();
    expect(stillHeld(a(), id)).toBe(true);

    const started = Date.now();
    const reply = await clearCache(a(), id);
    expect(reply).toMatchObject({ status: 503, body: { code: 'Offline', description: `station ${id} is not connected` } });
    // Not A's copy of the command waiting for a CALL it could not send (the call timeout, 1 s).
    expect(Date.now() - started).toBeLessThan(800);
  }, 20_000);
});
