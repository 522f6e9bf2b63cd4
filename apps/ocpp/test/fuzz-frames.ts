/**
 * The fuzz test's frames (fuzz.int-spec.ts): a seeded generator of valid, mutated and garbled OCPP-J
 * frames, and the oracle that says, from the OCPP-J rules rather than the service's parser, what
 * must happen to each.
 */
import { ACTIONS_16, CP_ACTIONS_16, validateRequest16 } from '@cpo/ocpp-protocol';
import { tolerate16 } from '../src/connection/payload-tolerance.js';

/** Ids the service accepts (MAX_INBOUND_UNIQUE_ID_LENGTH; OCPP-J says 36, chargers send longer). */
const MAX_ID = 128;

// ---------------------------------------------------------------------------------------------
// Seeded PRNG (mulberry32) and random values
// ---------------------------------------------------------------------------------------------

export class Rng {
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

export const now = '2026-11-23T10:00:00.000Z';
export const SAMPLES: Record<(typeof CP_ACTIONS_16)[number], Record<string, unknown>> = {
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

export type Expectation =
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

export interface Frame {
  data: string | Buffer;
  expect: Expectation;
}

const TRANSACTIONAL = new Set(['StartTransaction', 'StopTransaction', 'MeterValues']);
export const NOT_STORED_CODES = new Set(['NotImplemented', 'NotSupported', 'SecurityError']);
const PARSE_CODES = ['FormationViolation', 'ProtocolError'];

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A binary message is never processed, but when its bytes read as a CALL with an id, that id is
 * answered FormationViolation; whatever the same text would not get answered stays unanswered.
 */
function binaryOracle(data: Buffer, served: ReadonlySet<string>): Expectation {
  const asText = oracle(data.toString('utf8'), served);
  if (asText.answer === 'none' || asText.answer === 'either') return { ...asText, stored: true };
  return { answer: 'error', id: asText.id, codes: ['FormationViolation'], stored: true };
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
    // Not JSON: answered only if the id (of any length) can be read from the `[<type>, "<id>"` prefix.
    const m = /^\s*\[\s*(\d+)\s*,\s*"([^"\\]*)"/.exec(text);
    if (!m) return { answer: 'none', stored: true };
    const type = Number(m[1]);
    if (type === 3 || type === 4) return { answer: 'none', stored: true };
    if (type === 2) return { answer: 'error', id: m[2]!, codes: ['FormationViolation'], stored: true };
    return { answer: 'either', id: m[2]!, stored: true };
  }
  if (!Array.isArray(data)) return { answer: 'none', stored: true };
  const [type, id, action, payload] = data as unknown[];
  // A non-negative integer id is read as its string form (and answered as the number).
  const readableId = typeof id === 'string' ? id : typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? String(id) : undefined;
  if (typeof type !== 'number' || !Number.isInteger(type)) {
    // Unreadable message type: answer when the id can be read.
    return readableId === undefined ? { answer: 'none', stored: true } : { answer: 'error', id: readableId, codes: ['FormationViolation'], stored: true };
  }
  if (type !== 2 && type !== 3 && type !== 4) return { answer: 'none', stored: true }; // unknown type: not answered (spec), kept
  if (type === 3 || type === 4) {
    // Never answered; a well-formed one matching nothing pending is dropped, a broken one kept.
    const wellFormed =
      readableId !== undefined &&
      readableId.length >= 1 &&
      readableId.length <= MAX_ID &&
      (type === 3
        ? data.length === 3 && isObject(data[2])
        : // A CALLERROR without details, or with a null description, still carries its code.
          (data.length === 4 || data.length === 5) && typeof data[2] === 'string' && data[2].length > 0 && (typeof data[3] === 'string' || data[3] === null || data[3] === undefined));
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
  if (checked.ok) return { answer: 'result', id: readableId };
  // As the dispatcher: a zoneless timestamp is UTC, a StatusNotification's enum in odd case its canonical value.
  const tolerated = tolerate16('request', action, structuredClone(payload), { zones: true, enums: action === 'StatusNotification' });
  if (tolerated.adjusted.length && validateRequest16(action, tolerated.payload).ok) return { answer: 'result', id: readableId };
  return { answer: 'error', id: readableId, codes: [checked.code], stored: true };
}

// ---------------------------------------------------------------------------------------------
// Frame generators
// ---------------------------------------------------------------------------------------------

export function generator(rng: Rng, socketNo: number, served: ReadonlySet<string>) {
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
    [5, () => JSON.stringify([2, rng.pick([null, socketNo * 1_000_000 + n++, 1.5, -3, true, [], {}, ['x']]), 'Heartbeat', {}])],
    // empty and huge ids
    [5, () => call('Heartbeat', {}, rng.pick(['', `${freshId()}-${'x'.repeat(rng.int(MAX_ID, MAX_ID + 4))}`, `${freshId()}-${'y'.repeat(rng.int(1000, 20_000))}`]))],
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
    // a well-formed CALL sent as a binary frame (answered FormationViolation, never processed)
    [1, () => Buffer.from(call('Heartbeat', {}, freshId()))],
    // random JSON values
    [3, () => JSON.stringify(rng.json(3))],
  ];
  const total = kinds.reduce((s, [w]) => s + w, 0);
  return (): Frame => {
    let roll = rng.next() * total;
    const make = kinds.find(([w]) => (roll -= w) < 0)![1];
    const data = make();
    const expect: Expectation = Buffer.isBuffer(data) ? binaryOracle(data, served) : oracle(data, served);
    return { data, expect };
  };
}
