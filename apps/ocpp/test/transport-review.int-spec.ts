import WebSocket from 'ws';
import { api, ocppSuite, RawClient, uniqueStation } from './harness.js';

/** The next CALL the central system sends this client (after the operator command below). */
async function nextCall(client: RawClient, action: string): Promise<string> {
  for (;;) {
    const frame = (await client.next()) as unknown[];
    if (frame[0] === 2 && frame[2] === action) return frame[1] as string;
  }
}

describe('OCPP-J transport review (guide §1)', () => {
  // A long call timeout: an answer the central system drops shows as a command still waiting.
  const { ocpp } = ocppSuite({ OCPP_CALL_TIMEOUT_MS: '20000', OCPP_PING_INTERVAL_MS: '200' });
  const clients: RawClient[] = [];
  const open = async (id = uniqueStation(), options?: ConstructorParameters<typeof WebSocket>[2]) => {
    const client = options ? await openWith(`${ocpp().wsUrl}/${id}`, options) : await RawClient.open(`${ocpp().wsUrl}/${id}`);
    clients.push(client);
    return { id, client };
  };
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  describe('a malformed answer to our CALL settles it at once (it was dropped and the command waited for the timeout)', () => {
    it.each([
      // A CALLERROR without details (or null ones) keeps its code: frame-deviations.int-spec.ts.
      ['a CALLERROR without a code', (id: string) => JSON.stringify([4, id, '', 'no', {}])],
      ['a CALLRESULT with a null payload', (id: string) => JSON.stringify([3, id, null])],
      ['a CALLRESULT that is not JSON', (id: string) => `[3,"${id}",{"status":"Accepted"}`],
    ])('%s', async (_name, answer) => {
      const { id, client } = await open();
      const started = Date.now();
      const reply = api(ocpp(), 'POST', `/api/v1/stations/${id}/commands/ClearCache`, {});
      client.send(answer(await nextCall(client, 'ClearCache')));
      const { body } = await reply;
      expect(body).toMatchObject({ code: 'FormationViolation', description: expect.stringContaining('malformed') });
      expect(Date.now() - started).toBeLessThan(5_000);
      // The connection carries on: the next command gets through.
      const second = api(ocpp(), 'POST', `/api/v1/stations/${id}/commands/ClearCache`, {});
      client.send([3, await nextCall(client, 'ClearCache'), { status: 'Accepted' }]);
      expect((await second).body).toMatchObject({ status: 'ok', payload: { status: 'Accepted' } });
    });
  });

  it('answers a binary frame holding a CALL with FormationViolation naming its id (it went unanswered), and carries on', async () => {
    const { client } = await open();
    client.ws.send(Buffer.from(JSON.stringify([2, 'bin-1', 'Heartbeat', {}])), { binary: true });
    expect(await client.answer()).toEqual([4, 'bin-1', 'FormationViolation', expect.stringContaining('binary'), {}]);
    expect(await client.call('Heartbeat', {}, 'text-1')).toEqual(expect.arrayContaining(['text-1']));
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('answers broken JSON whose id is over 128 characters, echoing the id, as a well-formed frame with such an id is', async () => {
    const { client } = await open();
    const id = `${'x'.repeat(128)}-long`;
    client.send(`[2,"${id}","Heartbeat",{`);
    expect(await client.answer()).toEqual([4, id, 'FormationViolation', expect.stringContaining('invalid JSON'), {}]);
  });

  it('answers a CALL resent after a reconnect under its id but re-serialised (whitespace, key order) with the stored answer', async () => {
    // Not a BootNotification: a boot is always processed (a reboot; docs/ocpp.md "Message ids").
    const { id, client } = await open();
    expect(await client.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' }, 'boot-1')).toEqual([3, 'boot-1', expect.anything()]);
    const data = { vendorId: 'V', messageId: 'M', data: 'S-1' };
    const first = await client.call('DataTransfer', data, 'dt-1');
    expect(first).toEqual([3, 'dt-1', expect.objectContaining({ status: expect.any(String) })]);
    client.close();
    const { client: again } = await open(id);
    again.send('[ 2, "dt-1", "DataTransfer", { "data": "S-1", "messageId": "M", "vendorId": "V" } ]');
    expect(await again.answer()).toEqual(first);
  });

  it('keeps a charger whose frames keep coming although it does not answer pings (any inbound frame is liveness, §1.8)', async () => {
    const { client } = await open(uniqueStation('NOPONG'), { autoPong: false });
    let pings = 0;
    client.ws.on('ping', () => (pings += 1));
    // 200 ms ±25 % pings, two missed pongs terminate: without the frames counting, gone in ~0.6 s.
    for (let i = 0; i < 12; i += 1) {
      // Answered SecurityError (no boot yet) or not: the frame is what counts.
      expect(await client.call('Heartbeat', {}, `hb-${i}`)).toEqual(expect.arrayContaining([`hb-${i}`]));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(pings).toBeGreaterThanOrEqual(3);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
  });
});

function openWith(url: string, options: ConstructorParameters<typeof WebSocket>[2]): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'ocpp1.6', options);
    // RawClient's constructor is private; the wrapper reads through its public surface only.
    const client = new (RawClient as unknown as new (ws: WebSocket) => RawClient)(ws);
    ws.once('open', () => resolve(client));
    ws.once('error', reject);
  });
}
