/**
 * Property/fuzz test of the charger endpoint: thousands of random and garbled frames from several
 * sockets against the running service (real PostgreSQL, NATS, Redis).
 *
 * Properties checked for every frame, by an oracle written from the OCPP-J rules (guide §1.3–1.6)
 * rather than from the service's parser:
 * - a CALL whose id can be read is answered exactly once, with that id: a CALLERROR, or a
 *   CALLRESULT when the (mutated) payload is still valid (`validateRequest16` decides, with the
 *   code it computes for an invalid one);
 * - nothing else is answered (broken or orphan CALLRESULT/CALLERROR, unknown message types,
 *   frames without a readable id, binary frames);
 * - the server stays up, the fuzzed sockets stay open (bad-frame limit raised), and a well-behaved
 *   charger interleaved with the garbage gets every answer;
 * - every rejected frame is kept, verbatim, in `rejected_frames`.
 * The main run accepts any CALLERROR where the brief's property allows one; stricter rules the
 * fuzzer showed broken (InternalError for transaction messages or schema-valid payloads, empty
 * BootNotification strings refused, NUL characters) have their own fixed-payload cases after it,
 * so each bug fails exactly one named test. `FUZZ_STRICT=1` makes the main run fail on any
 * InternalError too.
 * A last case boots the service with a low `OCPP_MAX_BAD_FRAMES_PER_MINUTE` and checks that the
 * socket above it is closed (1008) while schema-invalid CALLs do not count and others live on,
 * and that invalid UTF-8 fails only its own connection (1007).
 *
 * Reproduce a failure with `FUZZ_SEED=<seed printed in the test name>`; `FUZZ_FRAMES` (per
 * socket, 600) and `FUZZ_SOCKETS` (4) scale the run.
 */
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { ACTIONS_16, CP_ACTIONS_16, validateRequest16 } from '@cpo/ocpp-protocol';
import { eventually } from '@cpo/testing';
import WebSocket from 'ws';
import { startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 0x7fffffff));
const FRAMES_PER_SOCKET = Number(process.env.FUZZ_FRAMES ?? 600);
const SOCKETS = Number(process.env.FUZZ_SOCKETS ?? 4);
const MAX_ID = 36;
/**
 * FUZZ_STRICT=1: InternalError fails the run. Off by default while the known causes (the cases
 * after the main one) are open; the main run then only logs them.
 */
const STRICT = process.env.FUZZ_STRICT === '1';

// ---------------------------------------------------------------------------------------------
// Seeded PRNG (mulberry32) and random values
// ---------------------------------------------------------------------------------------------

class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(0, 255);
    return b;
  }
  /**
   * Text with JSON punctuation, control characters, non-ASCII and astral characters. NUL is left
   * out here (PostgreSQL text cannot hold it): it has its own case below.
   */
  text(n: number): string {
    const pool = ['[', ']', '{', '}', '"', ',', ':', '\\', ' ', '2', '3', '4', '0', '-', '.', 'e', 'a', 'Z', '\u0001', '\u001f', '\n', 'é', '€', '漢', '😀', 'null', 'true'];
    let s = '';
    while (s.length < n) s += this.chance(0.7) ? this.pick(pool) : String.fromCharCode(this.int(32, 126));
    return s;
  }
  word(min = 1, max = 20): string {
    const n = this.int(min, max);
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.pick([this.int(65, 90), this.int(97, 122), this.int(48, 57)]));
    return s;
  }
  json(depth = 2): unknown {
    const kind = this.int(0, depth > 0 ? 8 : 5);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.pick([0, -1, 1, 1.5, 2, 3, 4, 1e308, -0.000001, 2 ** 53 + 2, this.int(-1e6, 1e6)]);
      case 3:
        return this.word(0, 30);
      case 4:
        // (NUL, raw or escaped, has its own case: PostgreSQL text and jsonb cannot hold it.)
        return this.pick(['', 'x'.repeat(600), '2026-11-23T10:00:00Z', 'not-a-date', '12', '\u0001', 'ü\u007f']);
      case 5:
        return {};
      case 6:
      case 7:
        return Object.fromEntries(Array.from({ length: this.int(1, 4) }, () => [this.word(1, 12), this.json(depth - 1)]));
      default:
        return Array.from({ length: this.int(0, 4) }, () => this.json(depth - 1));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Valid payloads of every charger-initiated action, and mutations of them
// ---------------------------------------------------------------------------------------------

const now = '2026-11-23T10:00:00.000Z';
const SAMPLES: Record<(typeof CP_ACTIONS_16)[number], Record<string, unknown>> = {
  Authorize: { idTag: 'TAG-1' },
  BootNotification: { chargePointVendor: 'Acme', chargePointModel: 'S1', firmwareVersion: '1.0', chargePointSerialNumber: 'SN-1' },
  DataTransfer: { vendorId: 'com.acme', messageId: 'hello', data: '{"a":1}' },
  DiagnosticsStatusNotification: { status: 'Uploaded' },
  FirmwareStatusNotification: { status: 'Installed' },
  Heartbeat: {},
  MeterValues: {
    connectorId: 1,
    transactionId: 1,
    meterValue: [{ timestamp: now, sampledValue: [{ value: '1500', measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' }, { value: '7.2', measurand: 'Power.Active.Import', unit: 'kW', phase: 'L1' }] }],
  },
  StartTransaction: { connectorId: 1, idTag: 'TAG-1', meterStart: 1000, timestamp: now },
  StatusNotification: { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: now, info: 'ok' },
  StopTransaction: { transactionId: 1, meterStop: 2000, timestamp: now, idTag: 'TAG-1', reason: 'Local', transactionData: [{ timestamp: now, sampledValue: [{ value: '2000' }] }] },
  LogStatusNotification: { status: 'Idle', requestId: 1 },
  SecurityEventNotification: { type: 'FirmwareUpdated', timestamp: now },
  SignCertificate: { csr: '-----BEGIN CERTIFICATE REQUEST-----' },
  SignedFirmwareStatusNotification: { status: 'Installed', requestId: 1 },
};

/** Paths to every value inside a JSON tree (objects and arrays), the root excluded. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...prefix, i], ...paths(v, [...prefix, i])]);
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
  return [];
}

function parentOf(root: unknown, path: (string | number)[]): Record<string | number, unknown> {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  return node;
}

function mutate(rng: Rng, payload: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(payload);
  const rounds = rng.int(1, 3);
  for (let r = 0; r < rounds; r++) {
    const all = paths(copy);
    const path = all.length && rng.chance(0.85) ? rng.pick(all) : [];
    const parent = path.length ? parentOf(copy, path) : undefined;
    const key = path[path.length - 1];
    const current = parent && key !== undefined ? parent[key] : copy;
    const set = (v: unknown) => {
      if (parent && key !== undefined) parent[key] = v;
    };
    switch (rng.int(0, 9)) {
      case 0: // drop a property (often a required one)
        if (parent && key !== undefined) {
          if (Array.isArray(parent)) parent.splice(key as number, 1);
          else delete parent[key];
        }
        break;
      case 1: // wrong type
        set(rng.json(1));
        break;
      case 2: // unknown property
        (typeof current === 'object' && current !== null && !Array.isArray(current) ? (current as Record<string, unknown>) : copy)[rng.word(1, 10)] = rng.json(1);
        break;
      case 3: // too long
        set(typeof current === 'string' ? current + 'x'.repeat(rng.int(1, 600)) : 'y'.repeat(rng.int(1, 600)));
        break;
      case 4: // number edge cases (integers as floats, strings, negative, huge)
        set(rng.pick([-1, 0, 1.5, 1e21, -(2 ** 31), 2 ** 31, '12', 12.0000001, Number.MAX_SAFE_INTEGER]));
        break;
      case 5: // enum / casing
        set(typeof current === 'string' ? rng.pick([current.toLowerCase(), current.toUpperCase(), ` ${current}`, 'Bogus', '']) : rng.word());
        break;
      case 6: // arrays: empty, object instead, many items
        set(rng.pick([[], {}, Array.from({ length: rng.int(2, 30) }, () => (Array.isArray(current) ? current[0] : current))]));
        break;
      case 7: // timestamps
        set(rng.pick(['2026-13-45T99:00:00Z', 'yesterday', '2026-11-23', '2026-11-23T10:00:00+02:00', 1700000000, '']));
        break;
      case 8: // null
        set(null);
        break;
      default: // the same value (a no-op keeps some payloads valid)
        break;
    }
  }
  return copy;
}

// ---------------------------------------------------------------------------------------------
// The oracle: what the OCPP-J rules say must happen to one frame
// ---------------------------------------------------------------------------------------------

type Expectation =
  /** Must not be answered. `stored`: kept in rejected_frames. */
  | { answer: 'none'; stored: boolean }
  /** A CALLERROR with this id (one of the codes, when given). */
  | { answer: 'error'; id: string; codes?: string[]; stored: boolean }
  /** A CALLRESULT with this id. */
  | { answer: 'result'; id: string }
  /**
   * Transaction messages are processed leniently (guide §2.1): a CALLRESULT or a CALLERROR, but
   * never InternalError. Stored when answered with an error.
   */
  | { answer: 'result-or-error'; id: string }
  /** The rules leave it open (e.g. a truncated frame of an unknown message type): either way. */
  | { answer: 'either'; id: string; stored: boolean };

interface Frame {
  data: string | Buffer;
  expect: Expectation;
}

const TRANSACTIONAL = new Set(['StartTransaction', 'StopTransaction', 'MeterValues']);
const NOT_STORED_CODES = new Set(['NotImplemented', 'NotSupported', 'SecurityError']);
const PARSE_CODES = ['FormationViolation', 'ProtocolError'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `served`: the charger actions the service handles (probed at start: the others answer
 * NotSupported). The socket's station is Accepted, so no SecurityError is expected.
 */
function oracle(text: string, served: ReadonlySet<string>): Expectation {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // Not JSON: answered only if the id can be read from the `[<type>, "<id>"` prefix.
    const m = /^\s*\[\s*(\d+)\s*,\s*"([^"\\]{0,36})"/.exec(text);
    if (!m) return { answer: 'none', stored: true };
    const type = Number(m[1]);
    if (type === 3 || type === 4) return { answer: 'none', stored: true };
    if (type === 2) return { answer: 'error', id: m[2]!, codes: ['FormationViolation'], stored: true };
    return { answer: 'either', id: m[2]!, stored: true };
  }
  if (!Array.isArray(data)) return { answer: 'none', stored: true };
  const [type, id, action, payload] = data as unknown[];
  const readableId = typeof id === 'string' ? id : undefined;
  if (typeof type !== 'number' || !Number.isInteger(type)) {
    // Unreadable message type: answer when the id can be read.
    return readableId === undefined ? { answer: 'none', stored: true } : { answer: 'error', id: readableId, codes: ['FormationViolation'], stored: true };
  }
  if (type !== 2 && type !== 3 && type !== 4) return { answer: 'none', stored: false }; // unknown type: ignored (spec)
  if (type === 3 || type === 4) {
    // Never answered; a well-formed one matching nothing pending is dropped, a broken one kept.
    const wellFormed =
      readableId !== undefined &&
      readableId.length >= 1 &&
      readableId.length <= MAX_ID &&
      (type === 3
        ? data.length === 3 && isObject(data[2])
        : data.length === 5 && typeof data[2] === 'string' && data[2].length > 0 && typeof data[3] === 'string' && isObject(data[4]));
    return { answer: 'none', stored: !wellFormed };
  }
  if (readableId === undefined) return { answer: 'none', stored: true };
  const formation = { answer: 'error' as const, id: readableId, codes: PARSE_CODES, stored: true };
  if (readableId.length === 0 || readableId.length > MAX_ID || data.length !== 4 || typeof action !== 'string' || action.length === 0) return formation;
  if (payload === null) return { ...formation, codes: ['ProtocolError'] };
  if (!isObject(payload)) return { ...formation, codes: ['FormationViolation'] };
  if (!(ACTIONS_16 as readonly string[]).includes(action)) return { answer: 'error', id: readableId, codes: ['NotImplemented'], stored: false };
  if (!served.has(action)) return { answer: 'error', id: readableId, codes: ['NotSupported'], stored: false };
  if (TRANSACTIONAL.has(action)) return { answer: 'result-or-error', id: readableId };
  const checked = validateRequest16(action, structuredClone(payload));
  return checked.ok ? { answer: 'result', id: readableId } : { answer: 'error', id: readableId, codes: [checked.code], stored: true };
}

// ---------------------------------------------------------------------------------------------
// Frame generators
// ---------------------------------------------------------------------------------------------

function generator(rng: Rng, socketNo: number, served: ReadonlySet<string>) {
  let n = 0;
  const freshId = () => `f${socketNo}-${n++}`;
  const cpAction = () => rng.pick(CP_ACTIONS_16);
  const call = (action: string, payload: unknown, id: string = freshId()) => JSON.stringify([2, id, action, payload]);
  const kinds: [number, () => string | Buffer][] = [
    // valid actions with randomly mutated payloads (and some untouched ones)
    [30, () => {
      const action = cpAction();
      return call(action, rng.chance(0.15) ? SAMPLES[action] : mutate(rng, SAMPLES[action]));
    }],
    // random payloads for valid actions
    [5, () => call(cpAction(), rng.json(3))],
    // unknown actions, wrong case, CSMS-only actions
    [6, () => call(rng.pick([rng.word(), 'heartbeat', 'HEARTBEAT', '/Heartbeat', 'Heartbeat ', 'Reset', 'RemoteStartTransaction', 'GetConfiguration', 'TriggerMessage', 'Authorize\u0000', '漢字']), {})],
    // wrong arity
    [6, () => {
      const full = [2, freshId(), cpAction(), {}, {}, 1];
      return JSON.stringify(full.slice(0, rng.pick([1, 2, 3, 5, 6])));
    }],
    // wrong types for message type
    [6, () => JSON.stringify([rng.pick(['2', 2.5, null, true, [], {}, -2, 0, 1, 5, 6, 99, 2 ** 53]), freshId(), 'Heartbeat', {}])],
    // wrong types for id
    [5, () => JSON.stringify([2, rng.pick([null, 12, 1.5, true, [], {}, ['x']]), 'Heartbeat', {}])],
    // empty and huge ids
    [5, () => call('Heartbeat', {}, rng.pick(['', `${freshId()}-${'x'.repeat(rng.int(MAX_ID, 40))}`, `${freshId()}-${'y'.repeat(rng.int(1000, 20_000))}`]))],
    // wrong types for action
    [4, () => JSON.stringify([2, freshId(), rng.pick([null, 1, '', [], {}, true]), {}])],
    // wrong types for payload
    [5, () => JSON.stringify([2, freshId(), cpAction(), rng.pick([null, 1, 'x', [], true, [{}]])])],
    // CALLRESULTs and CALLERRORs for nothing (well-formed and broken)
    [8, () => JSON.stringify([3, freshId(), rng.chance(0.7) ? { status: 'Accepted' } : rng.json(1)])],
    [6, () => JSON.stringify([4, freshId(), rng.pick(['GenericError', 'NotSupported', '', 7]), rng.pick(['', 'oops', null]), rng.pick([{}, null, []])])],
    [2, () => JSON.stringify([rng.pick([3, 4]), freshId()])],
    // truncated JSON of real frames
    [8, () => {
      const id = freshId();
      const whole = rng.pick([call('Heartbeat', {}, id), call('StatusNotification', SAMPLES.StatusNotification, id), JSON.stringify([3, id, { currentTime: now }]), JSON.stringify([4, id, 'GenericError', 'x', {}])]);
      return whole.slice(0, rng.int(1, whole.length - 1));
    }],
    // not arrays
    [4, () => rng.pick(['{}', 'null', '42', '"text"', 'true', '{"0":2,"1":"x","2":"Heartbeat","3":{}}', ' ', ''])],
    // random text (valid UTF-8, with control characters and NUL)
    [6, () => rng.text(rng.int(0, 200))],
    // random bytes, sent as binary frames
    [4, () => rng.bytes(rng.int(0, 300))],
    // random JSON values
    [3, () => JSON.stringify(rng.json(3))],
  ];
  const total = kinds.reduce((s, [w]) => s + w, 0);
  return (): Frame => {
    let roll = rng.next() * total;
    const make = kinds.find(([w]) => (roll -= w) < 0)![1];
    const data = make();
    const expect: Expectation = Buffer.isBuffer(data) ? { answer: 'none', stored: true } : oracle(data, served);
    return { data, expect };
  };
}

// ---------------------------------------------------------------------------------------------
// A socket that records every frame it receives
// ---------------------------------------------------------------------------------------------

type Received = [number, string, ...unknown[]];

class FuzzSocket {
  readonly answers: Received[] = [];
  readonly serverCalls: Received[] = [];
  readonly undecodable: string[] = [];
  closedWith?: { code: number; reason: string };
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = data.toString();
      let frame: Received;
      try {
        frame = JSON.parse(text) as Received;
      } catch {
        this.undecodable.push(text);
        return;
      }
      if (frame[0] === 2) {
        // The service's own CALLs (onboarding reads): answer politely so nothing waits for a timeout.
        this.serverCalls.push(frame);
        ws.send(JSON.stringify([4, frame[1], 'NotSupported', 'fuzz socket', {}]));
      } else this.answers.push(frame);
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.closedWith = { code, reason: reason.toString() };
        resolve(this.closedWith);
      }),
    );
  }

  static open(url: string): Promise<FuzzSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'ocpp1.6');
      const s = new FuzzSocket(ws);
      ws.once('open', () => resolve(s));
      ws.once('error', reject);
    });
  }

  send(data: string | Buffer): void {
    if (Buffer.isBuffer(data)) this.ws.send(data, { binary: true });
    else this.ws.send(data);
  }

  async callOk(action: string, payload: unknown, id: string): Promise<Received> {
    this.send(JSON.stringify([2, id, action, payload]));
    expect(await eventually(() => this.answers.some((a) => a[1] === id), 10_000, 5)).toBe(true);
    const i = this.answers.findIndex((a) => a[1] === id);
    return this.answers.splice(i, 1)[0]!;
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Resolves with the socket's close, or undefined after `ms` (the timer is cleared either way). */
async function closedWithin(socket: FuzzSocket, ms: number): Promise<{ code: number; reason: string } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  try {
    return await Promise.race([socket.closed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function log(line: string): void {
  process.stdout.write(`[fuzz] ${line}\n`);
}

async function bootedCharger(h: OcppHarness, identity = uniqueStation('GOOD')): Promise<ChargePoint16> {
  const cp = new ChargePoint16({ identity, url: h.wsUrl, reconnect: false, responseTimeoutMs: 10_000 });
  void cp.start();
  await cp.waitOpen();
  await cp.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' }, { suppress: false });
  return cp;
}

/** A well-behaved charger keeps sending while the fuzzers run; every CALL must get its proper answer. */
async function wellBehaved(cp: ChargePoint16, until: () => boolean): Promise<{ calls: number; maxMs: number }> {
  let calls = 0;
  let maxMs = 0;
  let meter = 1000;
  while (!until()) {
    const started = Date.now();
    const kind = calls % 3;
    if (kind === 0) expect(await cp.call('Heartbeat', {}, { suppress: false })).toHaveProperty('currentTime');
    else if (kind === 1)
      expect(await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: calls % 2 ? 'Charging' : 'Available', timestamp: new Date().toISOString() }, { suppress: false })).toEqual({});
    else
      expect(
        await cp.call('MeterValues', { connectorId: 1, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: String((meter += 10)) }] }] }, { suppress: false }),
      ).toEqual({});
    calls += 1;
    maxMs = Math.max(maxMs, Date.now() - started);
    await new Promise((r) => setTimeout(r, 5));
  }
  return { calls, maxMs };
}

// ---------------------------------------------------------------------------------------------

describe(`OCPP endpoint fuzzing (FUZZ_SEED=${SEED})`, () => {
  describe('with a high bad-frame limit', () => {
    let h: OcppHarness;
    const sockets: FuzzSocket[] = [];
    const chargers: ChargePoint16[] = [];
    beforeAll(async () => {
      h = await startOcpp({ OCPP_MAX_BAD_FRAMES_PER_MINUTE: '1000000', OCPP_REMOTE_AUTHORIZE_TIMEOUT_MS: '200' });
    });
    afterAll(async () => {
      for (const s of sockets) s.close();
      await Promise.all(chargers.map((c) => c.stop()));
      await h.close();
    });

    it('answers every CALL with a readable id (CALLERROR, or CALLRESULT when still valid), nothing else, stores the rejects, and stays up', async () => {
      log(`seed ${SEED}: ${SOCKETS} sockets × ${FRAMES_PER_SOCKET} frames (FUZZ_SEED=${SEED} reproduces)`);

      // Which charger actions does the service serve? (The rest must be NotSupported.)
      const probeId = uniqueStation('PROBE');
      const probe = await FuzzSocket.open(`${h.wsUrl}/${probeId}`);
      sockets.push(probe);
      await probe.callOk('BootNotification', SAMPLES.BootNotification, 'boot');
      const served = new Set<string>();
      for (const action of CP_ACTIONS_16) {
        const answer = await probe.callOk(action, SAMPLES[action], `p-${action.slice(0, 30)}`);
        if (!(answer[0] === 4 && answer[2] === 'NotSupported')) served.add(action);
        if (process.env.FUZZ_DEBUG) log(`probe ${action}: ${JSON.stringify(answer)}`);
      }
      for (const action of ['BootNotification', 'Heartbeat', 'StatusNotification', 'MeterValues', 'StartTransaction', 'StopTransaction', 'Authorize', 'DataTransfer']) {
        expect(served).toContain(action);
      }

      const good = await bootedCharger(h);
      chargers.push(good);
      let fuzzing = true;
      const goodRun = wellBehaved(good, () => !fuzzing);

      const stations = Array.from({ length: SOCKETS }, (_, i) => uniqueStation(`FUZZ${i}`));
      const runs = await Promise.all(
        stations.map(async (station, i) => {
          const socket = await FuzzSocket.open(`${h.wsUrl}/${station}`);
          sockets.push(socket);
          const boot = await socket.callOk('BootNotification', SAMPLES.BootNotification, 'boot');
          expect(boot).toEqual([3, 'boot', expect.objectContaining({ status: 'Accepted' })]);
          const next = generator(new Rng(SEED + 1 + i), i, served);
          const frames: Frame[] = [];
          for (let k = 0; k < FRAMES_PER_SOCKET; k++) {
            const frame = next();
            frames.push(frame);
            socket.send(frame.data);
            // Let the other sockets and the server breathe; the frames still arrive in bursts.
            if (k % 25 === 24) await new Promise((r) => setImmediate(r));
          }
          return { station, socket, frames };
        }),
      );

      // Every expected answer arrives...
      const expectedAnswers = (frames: Frame[]) => frames.filter((f) => f.expect.answer !== 'none' && f.expect.answer !== 'either').length;
      const allAnswered = await eventually(() => runs.every((r) => r.socket.answers.length >= expectedAnswers(r.frames)), 15_000, 20);
      // ...and then nothing more (late or duplicate answers would show up here).
      await new Promise((r) => setTimeout(r, 300));
      fuzzing = false;
      const goodStats = await goodRun;

      let expectedStored = 0;
      let txInternalErrors = 0;
      const internalErrors: string[] = [];
      const businessRefusals: string[] = [];
      const storedRaw = new Map<string, string[]>();
      const tally: Record<string, number> = {};
      for (const { station, socket, frames } of runs) {
        const problems: string[] = [];
        // Multiset of expectations by id (ids are unique per frame except the empty one).
        const byId = new Map<string, Expectation[]>();
        const sent = new Map<string, string>();
        for (const f of frames) {
          if (f.expect.answer === 'none') continue;
          sent.set(f.expect.id, typeof f.data === 'string' ? f.data.slice(0, 300) : '<binary>');
          const list = byId.get(f.expect.id) ?? [];
          list.push(f.expect);
          byId.set(f.expect.id, list);
        }
        const answeredErrors = new Map<string, number>();
        for (const answer of socket.answers) {
          const [type, id] = answer;
          const list = byId.get(id);
          const e = list?.shift();
          const label = `${type === 3 ? 'CALLRESULT' : `CALLERROR ${String(answer[2])}`} for ${sent.get(id) ?? JSON.stringify(String(id).slice(0, 60))}`;
          tally[type === 3 ? 'CALLRESULT' : String(answer[2])] = (tally[type === 3 ? 'CALLRESULT' : String(answer[2])] ?? 0) + 1;
          if (!e) {
            problems.push(`unexpected ${label}`);
            continue;
          }
          if (type !== 3 && type !== 4) problems.push(`not an answer: ${JSON.stringify(answer).slice(0, 200)}`);
          if (type === 4 && (answer.length !== 5 || typeof answer[3] !== 'string' || !isObject(answer[4]))) problems.push(`malformed CALLERROR ${JSON.stringify(answer).slice(0, 200)}`);
          // A schema-valid payload may still fail a business check (spec: PropertyConstraintViolation);
          // the one the fuzzer finds (empty BootNotification strings) has its own case below.
          if (type === 4 && answer[2] === 'InternalError' && e.answer !== 'result-or-error') internalErrors.push(label);
          if (e.answer === 'result' && type === 4 && (answer[2] === 'PropertyConstraintViolation' || (answer[2] === 'InternalError' && !STRICT))) {
            businessRefusals.push(`${label}: ${String(answer[3])}`);
            answeredErrors.set(id, (answeredErrors.get(id) ?? 0) + 1);
          } else if (e.answer === 'result' && type !== 3) problems.push(`expected a CALLRESULT, got ${label}: ${String(answer[3])}`);
          if (e.answer === 'error' && type !== 4) problems.push(`expected a CALLERROR, got ${label}`);
          if (e.answer === 'error' && type === 4 && e.codes && !e.codes.includes(String(answer[2]))) problems.push(`expected ${e.codes.join('|')}, got ${label}: ${String(answer[3])}`);
          // A CALLERROR is what the brief's property asks for; that transaction messages never get
          // InternalError (guide §1.5) is checked by its own case below, with fixed payloads.
          if (e.answer === 'result-or-error' && type === 4 && String(answer[2]) === 'InternalError') {
            if (STRICT) problems.push(`transaction message failed with ${label}`);
            txInternalErrors += 1;
          }
          if (type === 4 && !NOT_STORED_CODES.has(String(answer[2])) && (e.answer === 'result-or-error' || e.answer === 'either')) answeredErrors.set(id, (answeredErrors.get(id) ?? 0) + 1);
        }
        for (const [id, list] of byId) for (const e of list) if (e.answer !== 'either') problems.push(`no answer for id ${JSON.stringify(id.slice(0, 60))} (${e.answer})`);
        expect({ station, seed: SEED, problems: problems.slice(0, 20), count: problems.length }).toEqual({ station, seed: SEED, problems: [], count: 0 });
        expect(socket.undecodable).toEqual([]);
        expect(socket.open).toBe(true);

        // What must be in rejected_frames for this station, verbatim (binary frames as a marker).
        const raws: string[] = [];
        for (const f of frames) {
          const e = f.expect;
          const stored =
            ('stored' in e && e.stored && e.answer !== 'either') ||
            ((e.answer === 'result-or-error' || e.answer === 'either' || e.answer === 'result') && (answeredErrors.get(e.id) ?? 0) > 0 && (answeredErrors.set(e.id, answeredErrors.get(e.id)! - 1), true));
          if (e.answer === 'either' && e.stored && !stored) raws.push(f.data as string); // kept whether answered or not
          else if (stored) raws.push(Buffer.isBuffer(f.data) ? '<binary frame>' : f.data.slice(0, 65_536));
        }
        expectedStored += raws.length;
        storedRaw.set(station, raws.sort());
      }
      expect(allAnswered).toBe(true);
      log(`answers by kind: ${JSON.stringify(tally)}; InternalError for transaction messages: ${txInternalErrors}, for others: ${internalErrors.length} ${JSON.stringify(internalErrors.slice(0, 3))}; schema-valid but refused: ${businessRefusals.length} ${JSON.stringify(businessRefusals.slice(0, 3))}; well-behaved charger: ${goodStats.calls} calls, slowest ${goodStats.maxMs} ms`);
      expect(goodStats.calls).toBeGreaterThan(10);
      // Loose on purpose (the machine is shared): the garbage must not starve others to a charger timeout.
      expect(goodStats.maxMs).toBeLessThan(10_000);

      // Every rejected frame is kept (the writes are asynchronous: wait for them).
      const count = async () => {
        const [{ n }] = (await h.db.query(`SELECT count(*)::int AS n FROM rejected_frames WHERE station_id = ANY($1)`, [stations])) as { n: number }[];
        return n;
      };
      await eventually(async () => (await count()) >= expectedStored, 10_000, 50);
      for (const station of stations) {
        const rows = (await h.db.query(`SELECT raw FROM rejected_frames WHERE station_id = $1`, [station])) as { raw: string }[];
        const stored = rows.map((r) => r.raw).sort();
        const wanted = storedRaw.get(station)!;
        const missing = wanted.filter((w) => !stored.includes(w));
        expect({ station, seed: SEED, stored: stored.length, wanted: wanted.length, missing: missing.slice(0, 5).map((m) => JSON.stringify(m).slice(0, 200)) }).toEqual({
          station,
          seed: SEED,
          stored: wanted.length,
          wanted: wanted.length,
          missing: [],
        });
      }
      log(`${expectedStored} rejected frames stored`);

      // The service is still up: a new charger connects and is served, the health endpoint answers.
      const late = await bootedCharger(h);
      chargers.push(late);
      expect(await late.call('Heartbeat', {}, { suppress: false })).toHaveProperty('currentTime');
      expect((await fetch(`${h.app.baseUrl}/health`)).status).toBe(200);
    }, 40_000);

    // Shapes the fuzzer found (seed 1546785808): each reached a handler through the lenient path
    // for transaction messages and came back as InternalError (TypeError in meter-samples.ts, or
    // PostgreSQL "invalid input syntax for type integer" / NOT NULL violations).
    it('refuses transaction messages whose core fields do not parse with a schema CallError, never InternalError', async () => {
      const socket = await FuzzSocket.open(`${h.wsUrl}/${uniqueStation('TXBAD')}`);
      sockets.push(socket);
      await socket.callOk('BootNotification', SAMPLES.BootNotification, 'boot');
      const mv = SAMPLES.MeterValues as { meterValue: { sampledValue: object[] }[] };
      const cases: [string, Record<string, unknown>][] = [
        ['MeterValues', { ...SAMPLES.MeterValues, meterValue: {} }],
        ['MeterValues', { ...SAMPLES.MeterValues, meterValue: [{ timestamp: now, sampledValue: {} }] }],
        ['MeterValues', { ...SAMPLES.MeterValues, meterValue: [{ timestamp: now, sampledValue: [{ value: 12 }] }] }],
        ['MeterValues', { ...SAMPLES.MeterValues, meterValue: [{ timestamp: now, sampledValue: [{}] }] }],
        ['MeterValues', { ...SAMPLES.MeterValues, meterValue: [null] }],
        ['MeterValues', { ...SAMPLES.MeterValues, connectorId: 'one' }],
        ['MeterValues', { ...SAMPLES.MeterValues, meterValue: [{ ...mv.meterValue[0], sampledValue: [{ value: '1', unit: ['kW'] }] }] }],
        ['StartTransaction', { ...SAMPLES.StartTransaction, connectorId: 'one' }],
        ['StartTransaction', { ...SAMPLES.StartTransaction, meterStart: 1.5 }],
        ['StartTransaction', { ...SAMPLES.StartTransaction, meterStart: {} }],
        ['StartTransaction', { connectorId: 1, meterStart: 1000, timestamp: now }],
        ['StopTransaction', { ...SAMPLES.StopTransaction, transactionId: 'abc' }],
        ['StopTransaction', { ...SAMPLES.StopTransaction, meterStop: '2026-11-23T10:00:00+02:00' }],
      ];
      const failures: string[] = [];
      for (const [i, [action, payload]] of cases.entries()) {
        const answer = await socket.callOk(action, payload, `tx-${i}`);
        if (answer[0] === 4 && answer[2] === 'InternalError') failures.push(`${action} ${JSON.stringify(payload).slice(0, 160)}`);
      }
      expect(failures).toEqual([]);
    });

    // Found by the fuzzer (seed 1507237661): the OCA schema allows empty strings, the
    // ocpp.station.booted contract (NonEmptyString) does not, so the charger can never boot.
    it('accepts a schema-valid BootNotification with empty strings', async () => {
      const socket = await FuzzSocket.open(`${h.wsUrl}/${uniqueStation('EMPTY')}`);
      sockets.push(socket);
      const payload = { chargePointVendor: '', chargePointModel: '', firmwareVersion: '', chargePointSerialNumber: '' };
      expect(validateRequest16('BootNotification', payload)).toEqual({ ok: true });
      expect(await socket.callOk('BootNotification', payload, 'boot')).toEqual([3, 'boot', expect.objectContaining({ status: 'Accepted' })]);
    });

    // Found by the fuzzer (seeds 1062578727, 1782614237): schema-valid integers outside what the
    // columns hold (OCA StatusNotification.connectorId has no bounds) fail the commit.
    it('answers schema-valid but out-of-range integers with a CallError other than InternalError', async () => {
      const socket = await FuzzSocket.open(`${h.wsUrl}/${uniqueStation('RANGE')}`);
      sockets.push(socket);
      await socket.callOk('BootNotification', SAMPLES.BootNotification, 'boot');
      const failures: string[] = [];
      for (const [i, connectorId] of [-1, 2 ** 31, 1e21].entries()) {
        const payload = { ...SAMPLES.StatusNotification, connectorId };
        expect(validateRequest16('StatusNotification', payload)).toEqual({ ok: true });
        const answer = await socket.callOk('StatusNotification', payload, `range-${i}`);
        if (answer[0] === 4 && answer[2] === 'InternalError') failures.push(`StatusNotification connectorId ${connectorId}`);
      }
      expect(failures).toEqual([]);
    });

    // Found by the fuzzer (seeds 1546785808, 600765639): PostgreSQL text and jsonb cannot hold
    // U+0000, so a raw frame with NUL is never stored (rejected_frames insert fails), and a NUL in
    // a schema-valid string field (firmwareVersion: "\u0000") turns into InternalError.
    it('copes with NUL characters: keeps a raw frame containing NUL, accepts NUL inside strings', async () => {
      const station = uniqueStation('NUL');
      const socket = await FuzzSocket.open(`${h.wsUrl}/${station}`);
      sockets.push(socket);
      socket.send('\u0000garbage\u0000');
      const boot = { chargePointVendor: 'Acme', chargePointModel: 'S1', firmwareVersion: 'v1\u0000\u0000' };
      expect(validateRequest16('BootNotification', boot)).toEqual({ ok: true });
      expect(await socket.callOk('BootNotification', boot, 'boot')).toEqual([3, 'boot', expect.objectContaining({ status: 'Accepted' })]);
      expect(await socket.callOk('DataTransfer', { vendorId: 'com.acme', data: 'a\u0000b' }, 'dt')).toEqual([3, 'dt', { status: 'UnknownVendorId' }]);
      expect(
        await eventually(async () => ((await h.db.query(`SELECT raw FROM rejected_frames WHERE station_id = $1`, [station])) as unknown[]).length === 1, 3_000),
      ).toBe(true);
    });
  });

  describe('with a low bad-frame limit', () => {
    const LIMIT = 5;
    let h: OcppHarness;
    const sockets: FuzzSocket[] = [];
    const chargers: ChargePoint16[] = [];
    beforeAll(async () => {
      h = await startOcpp({ OCPP_MAX_BAD_FRAMES_PER_MINUTE: String(LIMIT) });
    });
    afterAll(async () => {
      for (const s of sockets) s.close();
      await Promise.all(chargers.map((c) => c.stop()));
      await h.close();
    });

    it('closes a socket above the limit (1008) but not for schema-invalid CALLs, and keeps the others working', async () => {
      const rng = new Rng(SEED ^ 0x5eed);
      const good = await bootedCharger(h);
      chargers.push(good);
      const station = uniqueStation('NOISY');
      const noisy = await FuzzSocket.open(`${h.wsUrl}/${station}`);
      sockets.push(noisy);
      expect(await noisy.callOk('BootNotification', SAMPLES.BootNotification, 'boot')).toEqual([3, 'boot', expect.objectContaining({ status: 'Accepted' })]);

      // Well-framed CALLs with invalid payloads are answered but are not malformed frames.
      for (let i = 0; i < LIMIT * 3; i++) {
        const answer = await noisy.callOk('StatusNotification', { connectorId: 'one', status: 'Sleeping' }, `schema-${i}`);
        expect(answer[0]).toBe(4);
      }
      expect(noisy.open).toBe(true);

      // Up to the limit, garbage is tolerated...
      const garbage = () => (rng.chance(0.5) ? rng.bytes(rng.int(1, 50)) : `{${rng.text(rng.int(1, 50))}`);
      for (let i = 0; i < LIMIT; i++) noisy.send(garbage());
      expect(await noisy.callOk('Heartbeat', {}, 'still-here')).toEqual([3, 'still-here', { currentTime: expect.any(String) }]);
      // ...one more closes the socket with a policy violation.
      noisy.send(garbage());
      const closed = await closedWithin(noisy, 5_000);
      expect(closed).toEqual({ code: 1008, reason: expect.stringMatching(/malformed/) });

      // Invalid UTF-8 in a text frame fails that connection (RFC 6455 §8.1, 1007), nobody else's.
      const broken = await FuzzSocket.open(`${h.wsUrl}/${uniqueStation('UTF8')}`);
      sockets.push(broken);
      broken.ws.send(Buffer.from([0x5b, 0x32, 0x2c, 0x22, 0xc3, 0x28, 0x22, 0x5d]), { binary: false });
      expect(await closedWithin(broken, 5_000)).toEqual({ code: 1007, reason: expect.any(String) });

      // The others never noticed, and the noisy station may come back with a fresh allowance.
      expect(await good.call('Heartbeat', {}, { suppress: false })).toHaveProperty('currentTime');
      const back = await FuzzSocket.open(`${h.wsUrl}/${station}`);
      sockets.push(back);
      back.send('not json');
      expect(await back.callOk('Heartbeat', {}, 'back')).toEqual([3, 'back', { currentTime: expect.any(String) }]);
      expect(back.open).toBe(true);
      expect(await eventually(async () => {
        const [{ n }] = (await h.db.query(`SELECT count(*)::int AS n FROM rejected_frames WHERE station_id = $1`, [station])) as { n: number }[];
        // 15 schema-invalid CALLs + LIMIT + 1 garbage frames + 1 after reconnecting
        return n === LIMIT * 3 + LIMIT + 2;
      })).toBe(true);
    });
  });
});
