import { OcppCallError, OcppTimeoutError, type Req16 } from '@cpo/ocpp-protocol';
import { ChargePoint16, OcppDisconnectedError } from './charge-point.js';
import { After, On } from './handlers.js';
import { TestCsms } from './test-csms.js';

const boot: Req16<'BootNotification'> = { chargePointVendor: 'Acme', chargePointModel: 'S1' };

class Sim extends ChargePoint16 {
  order: string[] = [];
  @On('Reset') reset(req: Req16<'Reset'>) {
    this.order.push(`on:${req.type}`);
    return { status: 'Accepted' as const };
  }
  @After('Reset') afterReset() {
    this.order.push('after');
  }
  @On('GetConfiguration', { skipSchemaValidation: true }) getConfiguration() {
    return { configurationKey: [] };
  }
  @On('ClearCache') clearCache() {
    return { status: 'Maybe' } as never; // deliberately outside the schema
  }
}

describe('ChargePoint16 against a test CSMS', () => {
  let csms: TestCsms;
  let url: string;
  let cp: Sim;
  beforeEach(async () => {
    csms = new TestCsms();
    url = await csms.start();
    cp = new Sim({ identity: 'CP 001', url, responseTimeoutMs: 500, basicAuthKey: 'secret-key-0123', reconnect: false });
    void cp.start();
    await cp.waitOpen();
  });
  afterEach(async () => {
    await cp.stop();
    await csms.stop();
  });

  it('connects with the identity percent-encoded, ocpp1.6 negotiated and Basic auth', () => {
    const c = csms.connections[0];
    expect(c.identity).toBe('CP 001');
    expect(c.protocol).toBe('ocpp1.6');
    expect(Buffer.from(c.authorization!.replace('Basic ', ''), 'base64').toString()).toBe('CP 001:secret-key-0123');
  });

  it('sends a CALL with a UUID v4 id and resolves the typed CALLRESULT', async () => {
    csms.onCall = () => ({ status: 'Accepted', currentTime: '2026-11-23T10:00:00Z', interval: 300 });
    const conf = await cp.call('BootNotification', boot);
    expect(conf).toEqual({ status: 'Accepted', currentTime: '2026-11-23T10:00:00Z', interval: 300 });
    const frame = csms.received.find((f) => f[2] === 'BootNotification')!;
    expect(frame[1]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(frame[3]).toEqual(boot);
  });

  it('uses a given unique id', async () => {
    await cp.call('Heartbeat', {}, { uniqueId: 'my-id-1', skipSchemaValidation: true });
    expect(csms.received.some((f) => f[1] === 'my-id-1')).toBe(true);
  });

  it('returns a CALLERROR as an error object by default and throws it with suppress: false', async () => {
    csms.onCall = () => ['SecurityError', 'not accepted yet'];
    const suppressed = await cp.call('Heartbeat', {});
    expect(suppressed).toBeInstanceOf(OcppCallError);
    expect(suppressed).toMatchObject({ code: 'SecurityError', description: 'not accepted yet' });
    await expect(cp.call('Heartbeat', {}, { suppress: false })).rejects.toMatchObject({ code: 'SecurityError' });
  });

  it('normalises the alternative error spelling a peer may use', async () => {
    csms.onCall = () => ['OccurrenceConstraintViolation', 'missing field'];
    expect(await cp.call('Heartbeat', {})).toMatchObject({ code: 'OccurenceConstraintViolation' });
  });

  it('times out, and drops the late answer', async () => {
    csms.onCall = () => undefined;
    await expect(cp.call('Heartbeat', {})).rejects.toBeInstanceOf(OcppTimeoutError);
    const late = csms.received.find((f) => f[2] === 'Heartbeat')!;
    csms.sendRaw(JSON.stringify([3, late[1], { currentTime: '2026-11-23T10:00:00Z' }]));
    csms.onCall = () => ({ currentTime: '2026-11-23T10:00:01Z' });
    expect(await cp.call('Heartbeat', {})).toEqual({ currentTime: '2026-11-23T10:00:01Z' });
  });

  it('keeps one CALL in flight, the rest queued in order', async () => {
    const answers: ((p: Record<string, unknown>) => void)[] = [];
    csms.onCall = (action) => {
      answers.push((p) => csms.sendRaw(JSON.stringify([3, csms.received[csms.received.length - 1][1], p])));
      void action;
      return undefined;
    };
    const first = cp.call('Heartbeat', {});
    const second = cp.call('Authorize', { idTag: 'TAG1' });
    await csms.next((f) => f[2] === 'Heartbeat');
    await new Promise((r) => setTimeout(r, 100));
    expect(csms.received.filter((f) => f[0] === 2).map((f) => f[2])).toEqual(['Heartbeat']); // Authorize waits
    answers[0]({ currentTime: '2026-11-23T10:00:00Z' });
    await first;
    await csms.next((f) => f[2] === 'Authorize');
    answers[1]({ idTagInfo: { status: 'Accepted' } });
    expect(await second).toEqual({ idTagInfo: { status: 'Accepted' } });
  });

  it('refuses to send an invalid request, and rejects an invalid response', async () => {
    await expect(cp.call('Authorize', { idTag: 'X'.repeat(21) })).rejects.toBeInstanceOf(OcppCallError);
    csms.onCall = () => ({ idTagInfo: { status: 'Sure' } });
    expect(await cp.call('Authorize', { idTag: 'TAG' })).toMatchObject({ code: expect.stringMatching(/Violation/) });
  });

  it('answers inbound CALLs: handler result, then @After, in that order', async () => {
    const answer = await csms.callCharger('r1', 'Reset', { type: 'Soft' });
    expect(answer).toEqual([3, 'r1', { status: 'Accepted' }]);
    await new Promise((r) => setTimeout(r, 20));
    expect(cp.order).toEqual(['on:Soft', 'after']);
  });

  it('answers NotImplemented for unknown actions and NotSupported for known ones without handler', async () => {
    expect(await csms.callCharger('u1', 'FlyToTheMoon', {})).toEqual([4, 'u1', 'NotImplemented', expect.any(String), {}]);
    expect(await csms.callCharger('u2', 'UnlockConnector', { connectorId: 1 })).toEqual([4, 'u2', 'NotSupported', expect.any(String), {}]);
    expect((await csms.callCharger('u3', 'BootNotification', boot))[2]).toBe('NotSupported'); // wrong direction
  });

  it('validates inbound requests unless the handler skips validation', async () => {
    const bad = await csms.callCharger('v1', 'Reset', { type: 'Gentle' });
    expect(bad[0]).toBe(4);
    expect(bad[2]).toMatch(/Violation/);
    expect(cp.order).toEqual([]);
    expect(await csms.callCharger('v2', 'GetConfiguration', { key: 'not-an-array' })).toEqual([3, 'v2', { configurationKey: [] }]);
  });

  it('never sends its own invalid response', async () => {
    const answer = await csms.callCharger('c1', 'ClearCache', {});
    expect(answer).toEqual([4, 'c1', 'InternalError', expect.any(String), {}]);
  });

  it('answers malformed frames with FormationViolation when an id is readable', async () => {
    csms.sendRaw('[2, "m1", "Reset"]');
    expect(await csms.next((f) => f[1] === 'm1')).toEqual([4, 'm1', 'FormationViolation', expect.any(String), {}]);
    csms.sendRaw('not json');
    await new Promise((r) => setTimeout(r, 30));
    expect(cp.badFrames).toBe(1);
  });

  it('re-sends the stored answer for a retransmitted CALL instead of running the handler again', async () => {
    await csms.callCharger('d1', 'Reset', { type: 'Hard' });
    csms.received.length = 0;
    const again = await csms.callCharger('d1', 'Reset', { type: 'Hard' });
    expect(again).toEqual([3, 'd1', { status: 'Accepted' }]);
    expect(cp.order.filter((o) => o === 'on:Hard')).toHaveLength(1);
  });

  it('fails a pending CALL when the connection drops', async () => {
    csms.onCall = () => undefined;
    const pending = cp.call('Heartbeat', {}, { timeoutMs: 5000 });
    await csms.next((f) => f[2] === 'Heartbeat');
    csms.socket.terminate();
    await expect(pending).rejects.toBeInstanceOf(OcppDisconnectedError);
  });
});

describe('ChargePoint16 reconnects', () => {
  it('reconnects with back-off after the CSMS drops it', async () => {
    const csms = new TestCsms();
    const url = await csms.start();
    const cp = new ChargePoint16({ identity: 'CP-R', url, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
    void cp.start();
    await cp.waitOpen();
    csms.socket.terminate();
    const deadline = Date.now() + 3000;
    while (csms.connections.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(csms.connections.length).toBe(2);
    await cp.stop();
    await csms.stop();
  });

  it('handles a plain registered handler without decorators', async () => {
    const csms = new TestCsms();
    const url = await csms.start();
    const cp = new ChargePoint16({ identity: 'CP-H', url, reconnect: false }).handle('UnlockConnector', () => ({ status: 'Unlocked' }));
    void cp.start();
    await cp.waitOpen();
    expect(await csms.callCharger('h1', 'UnlockConnector', { connectorId: 1 })).toEqual([3, 'h1', { status: 'Unlocked' }]);
    await cp.stop();
    await csms.stop();
  });
});

describe('ChargePoint16 keep-alive', () => {
  it('pings, and terminates a connection whose pongs stop', async () => {
    const csms = new TestCsms();
    const url = await csms.start();
    const cp = new ChargePoint16({ identity: 'CP-P', url, reconnect: false, pingIntervalMs: 50 });
    const closed = new Promise((r) => cp.once('close', r));
    void cp.start();
    await cp.waitOpen();
    let pings = 0;
    csms.socket.on('ping', () => (pings += 1));
    await new Promise((r) => setTimeout(r, 180));
    expect(pings).toBeGreaterThanOrEqual(2);
    expect(cp.isOpen).toBe(true); // ws answers pings automatically
    // Simulate a half-open connection: the server stops reading, so no pong comes back.
    (csms.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    await closed;
    expect(cp.isOpen).toBe(false);
    await cp.stop();
    await csms.stop();
  });
});
