import { EventEmitter } from 'node:events';
import { jest } from '@jest/globals';
import { InboundIds } from '@cpo/ocpp-protocol';
import pino from 'pino';
import type { OcppMetrics } from '../metrics/ocpp-metrics.js';
import type { ProtocolBundle } from './protocol-bundle.js';
import { Ocpp16Dispatcher } from './ocpp16-dispatcher.js';
import type { ValidationPolicy } from './station-context.js';
import { StationSession, type SessionHooks } from './station-session.js';

const noop = { inc() {}, observe() {}, set() {} };
const metrics = new Proxy({}, { get: () => noop }) as unknown as OcppMetrics;
const logger = pino({ level: 'silent' });

/** Enough of a ws socket for a session: frames the session writes are kept in `sent`. */
class FakeSocket extends EventEmitter {
  readyState = 1;
  readonly sent: unknown[] = [];
  send(text: string): void {
    this.sent.push(JSON.parse(text));
  }
  close(): void {
    this.readyState = 2;
  }
  terminate(): void {
    this.readyState = 3;
    this.emit('close', 1006, Buffer.alloc(0));
  }
  ping(): void {}
  /** What the charger sends. */
  frame(text: string): void {
    this.emit('message', Buffer.from(text), false);
  }
  /** The same bytes as a binary message. */
  binary(text: string): void {
    this.emit('message', Buffer.from(text), true);
  }
}

const bundle = (dispatch: ProtocolBundle['dispatch']): ProtocolBundle => ({
  subprotocol: 'ocpp1.6',
  dispatch,
  checkCall: () => undefined,
  checkAnswer: (_ctx, _action, payload) => ({ kind: 'result', payload }),
  knowsAction: (action) => action === 'Heartbeat' || action === 'DataTransfer',
  internalErrorCode: 'InternalError',
  normalizeErrorCode: (code) => (code === 'FormatViolation' ? 'FormationViolation' : code),
});

const heartbeat: ProtocolBundle['dispatch'] = async () => ({ ok: true, payload: { currentTime: '2025-01-01T00:00:00Z' } });

function open(options: { dispatch?: ProtocolBundle['dispatch']; ids?: InboundIds; metrics?: OcppMetrics; bundle?: ProtocolBundle; policy?: ValidationPolicy; callTimeoutMs?: number } = {}) {
  const socket = new FakeSocket();
  const hooks = { rejectedFrame: jest.fn<SessionHooks['rejectedFrame']>(), activity: jest.fn<SessionHooks['activity']>() };
  const session = new StationSession(
    socket as never,
    'CP1',
    true,
    'Accepted',
    options.policy ?? 'strict',
    options.ids ?? new InboundIds(),
    { callTimeoutMs: options.callTimeoutMs ?? 1000, queueLimit: 10, pingIntervalMs: 0, maxBadFramesPerMinute: 100 },
    options.bundle ?? bundle(options.dispatch ?? heartbeat),
    options.metrics ?? metrics,
    hooks,
    logger,
  );
  return { socket, session, hooks };
}

const nested = (depth: number, inner = '[]') => `${'['.repeat(depth - 1)}${inner}${']'.repeat(depth - 1)}`;

describe('StationSession: a frame never throws into ws', () => {
  it('answers a deeply nested CALL with a NUL (10 kB, 5,000 levels) with FormationViolation', () => {
    const { socket, hooks } = open();
    const frame = `[2,"a","Heartbeat",{"x":"\\u0000","y":${nested(5000)}}]`;
    expect(() => socket.frame(frame)).not.toThrow();
    expect(socket.sent).toEqual([[4, 'a', 'FormationViolation', expect.stringContaining('deeper than'), {}]]);
    expect(hooks.rejectedFrame).toHaveBeenCalledWith('CP1', frame, expect.stringContaining('deeper than'));
  });

  it('still handles a NUL in a payload of ordinary depth', async () => {
    const dispatch = jest.fn(heartbeat);
    const { socket, session } = open({ dispatch });
    socket.frame(`[2,"a","DataTransfer",{"vendorId":"V\\u0000","data":${JSON.stringify(JSON.stringify({ deep: nested(20) }))}}]`);
    await session.drained();
    expect(dispatch.mock.calls[0]![2]).toEqual({ vendorId: 'V\uFFFD', data: expect.any(String) });
    expect(socket.sent).toEqual([[3, 'a', { currentTime: expect.any(String) }]]);
  });

  it('answers InternalError and counts a bad frame when processing a frame throws', () => {
    const ids = new InboundIds();
    jest.spyOn(ids, 'begin').mockImplementation(() => {
      throw new RangeError('Maximum call stack size exceeded (simulated)');
    });
    const { socket, hooks } = open({ ids });
    expect(() => socket.frame('[2,"a","Heartbeat",{}]')).not.toThrow();
    expect(socket.sent).toEqual([[4, 'a', 'InternalError', expect.any(String), {}]]);
    expect(hooks.rejectedFrame).toHaveBeenCalledWith('CP1', '[2,"a","Heartbeat",{}]', expect.stringContaining('internal error'));
  });

  it('answers InternalError when an answer cannot be sent, and keeps handling later CALLs', async () => {
    let first = true;
    const dispatch: ProtocolBundle['dispatch'] = async (ctx, call, payload, triggered) => {
      if (!first) return heartbeat(ctx, call, payload, triggered);
      first = false;
      return { ok: true, payload: { n: 1n as unknown as number } }; // JSON.stringify throws on a BigInt
    };
    const { socket, session } = open({ dispatch });
    socket.frame('[2,"a","Heartbeat",{}]');
    socket.frame('[2,"b","Heartbeat",{}]');
    await session.drained();
    expect(socket.sent).toEqual([
      [4, 'a', 'InternalError', expect.any(String), {}],
      [3, 'b', { currentTime: expect.any(String) }],
    ]);
  });
});

describe('StationSession: liveness and answers', () => {
  it('counts pongs and the charger\'s pings as activity', () => {
    const { socket, session, hooks } = open();
    socket.emit('pong', Buffer.alloc(0));
    socket.emit('ping', Buffer.alloc(0));
    expect(hooks.activity.mock.calls).toEqual([[session], [session]]);
  });

  it('passes a charger\'s CALLERROR code on in the version\'s spelling', async () => {
    const { socket, session } = open();
    const outcome = session.call('Reset', { type: 'Soft' });
    const [, id] = socket.sent[0] as [number, string];
    socket.frame(JSON.stringify([4, id, 'FormatViolation', 'bad', {}]));
    expect(await outcome).toEqual({ kind: 'error', code: 'FormationViolation', description: 'bad', details: {} });
  });

  it('refuses a charger\'s answer nested too deeply', async () => {
    const { socket, session } = open();
    const outcome = session.call('GetConfiguration', {});
    const [, id] = socket.sent[0] as [number, string];
    socket.frame(`[3,${JSON.stringify(id)},{"configurationKey":${nested(100)}}]`);
    // A CALLRESULT all the same: the charger answered and may have acted, as for any malformed one.
    expect(await outcome).toEqual({ kind: 'error', code: 'FormationViolation', description: expect.stringContaining('deeper than'), details: {}, mayHaveActed: true });
    const refused = session.call('Reset', { type: 'Soft' });
    const [, next] = socket.sent[1] as [number, string];
    socket.frame(`[4,${JSON.stringify(next)},"GenericError","",{"x":${nested(100)}}]`);
    expect(await refused).toEqual({ kind: 'error', code: 'FormationViolation', description: expect.stringContaining('deeper than'), details: {} });
  });
});

describe('StationSession: closing', () => {
  afterEach(() => jest.useRealTimers());

  it('fails the call in flight and the queued ones at once when it closes the socket, before the charger completes the close', async () => {
    jest.useFakeTimers();
    const { socket, session } = open();
    const settled: string[] = [];
    const calls = ['Reset', 'ClearCache'].map((action) => session.call(action, {}, { timeoutMs: 60_000 }).then((o) => settled.push(`${action} ${o.kind}`)));
    expect(socket.sent).toHaveLength(1);
    session.close('station deleted', 4001);
    // No timer runs: neither the calls' timeouts nor the terminate of a charger that never answers the close.
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toEqual(['Reset disconnected', 'ClearCache disconnected']);
    expect(socket.readyState).toBe(2);
    await Promise.all(calls);
    expect(socket.sent).toHaveLength(1);
  });
});

describe('StationSession: a call that was never written', () => {
  it('is disconnected and unsent when the socket is no longer open (the charger cannot have acted), not as a call it may have got', async () => {
    const { socket, session } = open();
    socket.readyState = 2;
    expect(await session.call('ClearCache', {})).toEqual({ kind: 'disconnected', unsent: true });
    expect(socket.sent).toEqual([]);
  });
});

describe('StationSession: a call that expired in the queue', () => {
  it('is counted as queue_timeout, not as the charger timing out', async () => {
    const labels: Record<string, string>[] = [];
    const recording = new Proxy({}, { get: (_t, name: string) => ({ inc: (l: Record<string, string>) => name === 'outboundCalls' && labels.push(l), observe() {}, set() {} }) }) as unknown as OcppMetrics;
    const { socket, session } = open({ metrics: recording });
    const reset = session.call('Reset', { type: 'Soft' });
    // Due a minute ago with a 1 s timeout: past its deadline when its turn comes.
    const clear = session.call('ClearCache', {}, { timeoutMs: 1_000, since: Date.now() - 60_000 });
    const [, id] = socket.sent[0] as [number, string];
    socket.frame(JSON.stringify([3, id, { status: 'Accepted' }]));
    await reset;
    expect(await clear).toEqual({ kind: 'timeout', unsent: true });
    expect(labels).toEqual([
      { action: 'Reset', outcome: 'result' },
      { action: 'ClearCache', outcome: 'queue_timeout' },
    ]);
  });
});

describe('StationSession: metric labels stay bounded whatever a charger sends', () => {
  it('counts action names outside the version as unknown, and bad frames by their reason without its numbers', async () => {
    const labels: Record<string, Record<string, string>[]> = {};
    const recording = new Proxy({}, { get: (_t, name: string) => ({ inc: (l: Record<string, string>) => (labels[name] ??= []).push(l), observe() {}, set() {} }) }) as unknown as OcppMetrics;
    const { socket, session } = open({ metrics: recording });
    for (const [i, action] of ['Heartbeat', 'MadeUpAction', 'ZzTop', 'Heartbeat'].entries()) socket.frame(JSON.stringify([2, `c${i}`, action, {}]));
    await session.drained();
    expect(labels['inboundCalls']!.map((l) => l['action'])).toEqual(['Heartbeat', 'unknown', 'unknown', 'Heartbeat']);
    socket.frame('[2,"b1"]');
    socket.frame('[2,"b2","Heartbeat",{},1,2,3,4,5,6,7,8,9,10]');
    expect(labels['badFrames']).toEqual([{ reason: 'message type N needs N elements, got N' }, { reason: 'message type N needs N elements, got N' }]);
  });
});

describe('StationSession: frames that are not OCPP-J text frames are answered when their id can be read', () => {
  it('answers a binary CALL with FormationViolation naming its id, without handling it, and keeps it as a rejected frame', async () => {
    const dispatch = jest.fn(heartbeat);
    const { socket, session, hooks } = open({ dispatch });
    expect(() => socket.binary('[2,"bin-1","Heartbeat",{}]')).not.toThrow();
    expect(socket.sent).toEqual([[4, 'bin-1', 'FormationViolation', expect.stringContaining('binary frames are not OCPP-J'), {}]]);
    expect(hooks.rejectedFrame).toHaveBeenCalledWith('CP1', '<binary frame>', expect.stringContaining('binary frames are not OCPP-J'));
    // Unreadable bytes: kept, not answered; the socket stays open and the next text CALL is handled.
    socket.emit('message', Buffer.from([0xff, 0x00, 0x5b]), true);
    expect(hooks.rejectedFrame).toHaveBeenCalledTimes(2);
    socket.frame('[2,"t-1","Heartbeat",{}]');
    await session.drained();
    expect(dispatch).toHaveBeenCalledTimes(1);
    expect(socket.sent).toEqual([socket.sent[0], [3, 't-1', { currentTime: expect.any(String) }]]);
    expect(socket.readyState).toBe(1);
  });

  it('ends our call in flight at a binary answer naming it (a malformed answer), never answering it', async () => {
    const { socket, session } = open({ callTimeoutMs: 5_000 });
    const outcome = session.call('ClearCache', {});
    const [, id] = socket.sent[0] as [number, string];
    socket.binary(JSON.stringify([3, id, { status: 'Accepted' }]));
    expect(await outcome).toMatchObject({ kind: 'error', code: 'FormationViolation', description: expect.stringContaining('binary'), mayHaveActed: true });
    expect(socket.sent).toHaveLength(1);
  });

  it('answers broken JSON whose id is over 128 characters, echoing the id as for a frame that parses', () => {
    const { socket } = open();
    const id = 'x'.repeat(130);
    socket.frame(`[2,"${id}","Heartbeat",{`);
    socket.frame(`[2,"${id}","Heartbeat",{}]`);
    expect(socket.sent).toEqual([
      [4, id, 'FormationViolation', expect.stringMatching(/^invalid JSON/), {}],
      [4, id, 'FormationViolation', expect.stringContaining('1..128'), {}],
    ]);
  });
});

describe('StationSession: retransmissions', () => {
  it('answers a CALL resent under its id but re-serialised (whitespace, key order) with the stored answer, not handling it again', async () => {
    let n = 0;
    const dispatch = jest.fn<ProtocolBundle['dispatch']>(async () => ({ ok: true, payload: { n: ++n } }));
    const { socket, session } = open({ dispatch });
    socket.frame('[2,"d1","DataTransfer",{"vendorId":"V","messageId":"M","data":"x"}]');
    await session.drained();
    socket.frame('[ 2, "d1", "DataTransfer", { "data": "x", "messageId": "M", "vendorId": "V" } ]\n');
    // Same id, other content: still refused.
    socket.frame('[2,"d1","DataTransfer",{"vendorId":"V","messageId":"M","data":"y"}]');
    await session.drained();
    expect(dispatch).toHaveBeenCalledTimes(1);
    expect(socket.sent).toEqual([[3, 'd1', { n: 1 }], [3, 'd1', { n: 1 }], [4, 'd1', 'ProtocolError', expect.any(String), {}]]);
  });
});

/** A session on the real 1.6 bundle, its validation policy `off`: outbound checks ignore it. */
const outboundOpen = () => open({ bundle: new Ocpp16Dispatcher(metrics, logger), policy: 'off', callTimeoutMs: 50 });

const profile = (limit: number) => ({
  connectorId: 1,
  csChargingProfiles: {
    chargingProfileId: 1,
    stackLevel: 0,
    chargingProfilePurpose: 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: { chargingRateUnit: 'A', startSchedule: '2025-01-01T00:00:00Z', chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
  },
});

describe('StationSession: outbound CALLs are always strict (guide §1.10)', () => {
  it('never sends a CALL that breaks its schema; the caller gets the violation', async () => {
    const { socket, session } = outboundOpen();
    // Two decimals (multipleOf 0.1), which a charger's validator refuses or rounds its own way.
    const outcome = await session.call('SetChargingProfile', profile(8.15));
    expect(outcome).toMatchObject({ kind: 'error', code: 'OccurenceConstraintViolation', description: expect.stringContaining('not sent') });
    expect(await session.call('ClearCache', { extra: true })).toMatchObject({ kind: 'error', code: 'PropertyConstraintViolation' });
    expect(await session.call('Heartbeat', {})).toMatchObject({ kind: 'error', code: 'NotSupported' });
    expect(socket.sent).toEqual([]);
  });

  it('sends a valid one (8.1 passes multipleOf 0.1, guide §1.11)', async () => {
    const { socket, session } = outboundOpen();
    const outcome = session.call('SetChargingProfile', profile(8.1));
    expect(socket.sent).toEqual([[2, expect.any(String), 'SetChargingProfile', profile(8.1)]]);
    expect(await outcome).toEqual({ kind: 'timeout' });
  });
});
