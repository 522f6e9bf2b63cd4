/**
 * The OCPP benchmark's simulated charger: a plain `ws` client speaking OCPP-J, one CALL in flight.
 *
 * It shares the machine's cores with the server under test, so it does no work a measurement does
 * not need: the load frames are written as text from templates (what a charger's firmware does),
 * and an answer to them is recognised by its `[3,"<id>",` prefix without parsing it. Everything
 * else (boot, start transaction, the server's own CALLs, CallErrors) is parsed in full.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

export interface Answer {
  ok: boolean;
  /** The CALLRESULT's payload; only for CALLs sent with `call` (`send` does not read it). */
  payload: unknown;
}

interface Pending {
  id: string;
  /** Parse the answer for its payload (`call`), or only recognise it (`send`). */
  withPayload: boolean;
  resolve: (answer: Answer) => void;
  /** performance.now() after which the CALL counts as unanswered (see `sweepTimeouts`). */
  deadline: number;
}

const OPEN_BRACKET = 0x5b;
const THREE = 0x33;
const COMMA = 0x2c;
const QUOTE = 0x22;

/**
 * Every open charger, for one timer that fails overdue CALLs: a timer per CALL (set and cleared
 * tens of thousands of times a second) was a visible share of the generator's CPU.
 */
const open = new Set<SimCharger>();
let sweeper: NodeJS.Timeout | undefined;
function sweepTimeouts(): void {
  const now = performance.now();
  for (const c of open) c.expire(now);
  if (open.size === 0) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

export class SimCharger {
  private ws?: WebSocket;
  private seq = 0;
  private pending?: Pending;
  errors = 0;

  constructor(
    readonly identity: string,
    private readonly callTimeoutMs: number,
    private readonly localAddress?: string,
    /** `Authorization` header of the upgrade (Basic auth, security profile 1/2). */
    private readonly authorization?: string,
  ) {}

  open(url: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${url}/${this.identity}`, 'ocpp1.6', {
        perMessageDeflate: false,
        localAddress: this.localAddress,
        handshakeTimeout: 60_000,
        ...(this.authorization ? { headers: { Authorization: this.authorization } } : {}),
        // Masks protect intermediaries that loopback does not have, so every frame gets the zero
        // mask (ws then skips the XOR; the server unmasks as always), and the answers, from a
        // server under test, are not re-checked for UTF-8.
        generateMask: () => undefined,
        skipUTF8Validation: true,
      });
      this.ws = ws;
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
      ws.on('error', () => undefined);
      open.add(this);
      sweeper ??= setInterval(sweepTimeouts, 1000);
      ws.on('close', () => {
        open.delete(this);
        this.settle({ ok: false, payload: undefined });
      });
      ws.on('message', (data: Buffer) => this.receive(data));
    });
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Sends one CALL and resolves with its answer (ok = CALLRESULT) and the answer's payload. */
  call(action: string, payload: unknown): Promise<Answer> {
    return this.transmit((id) => JSON.stringify([2, id, action, payload]), true);
  }

  /** Sends the CALL `frame(id)` writes; resolves when answered, without reading the answer's payload. */
  send(frame: (id: string) => string): Promise<Answer> {
    return this.transmit(frame, false);
  }

  /** Fails the CALL in flight if its deadline has passed. */
  expire(now: number): void {
    const p = this.pending;
    if (!p || p.deadline > now) return;
    this.errors += 1;
    this.settle({ ok: false, payload: undefined });
  }

  close(): void {
    this.ws?.terminate();
  }

  private transmit(frame: (id: string) => string, withPayload: boolean): Promise<Answer> {
    if (this.pending) throw new Error('one CALL in flight per charger');
    return new Promise((resolve) => {
      const id = `${++this.seq}`;
      this.pending = { id, withPayload, deadline: performance.now() + this.callTimeoutMs, resolve };
      if (this.isOpen) this.ws!.send(frame(id));
    });
  }

  private receive(data: Buffer): void {
    const p = this.pending;
    if (p && !p.withPayload && isResultFor(data, p.id)) return this.settle({ ok: true, payload: undefined });
    const frame = JSON.parse(data.toString('utf8')) as unknown[];
    if (frame[0] === 2) {
      // The central system's own CALLs: onboarding reads GetConfiguration; answer like a charger.
      const answer =
        frame[2] === 'GetConfiguration' ? [3, frame[1], { configurationKey: [{ key: 'NumberOfConnectors', readonly: true, value: '1' }], unknownKey: [] }] : [4, frame[1], 'NotSupported', '', {}];
      this.ws!.send(JSON.stringify(answer));
      return;
    }
    if (!p || frame[1] !== p.id) return;
    if (frame[0] !== 3) this.errors += 1;
    this.settle({ ok: frame[0] === 3, payload: frame[2] });
  }

  private settle(answer: Answer): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    p.resolve(answer);
  }
}

/** Whether `data` begins `[3,"<id>",` (a CALLRESULT to that id as JSON.stringify writes it); anything else is parsed. */
function isResultFor(data: Buffer, id: string): boolean {
  const n = id.length;
  if (data.length < n + 6 || data[0] !== OPEN_BRACKET || data[1] !== THREE || data[2] !== COMMA || data[3] !== QUOTE) return false;
  for (let i = 0; i < n; i++) if (data[4 + i] !== id.charCodeAt(i)) return false;
  return data[4 + n] === QUOTE && data[5 + n] === COMMA;
}

let lastMs = 0;
let lastIso = '';
/** The current time as OCPP timestamps have it, formatted once per millisecond. */
export function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/** The sampled values beyond energy and power (BENCH_SAMPLES): per phase current and voltage, offered current, SoC, temperature. */
const EXTRA_SAMPLES = [
  ...['L1', 'L2', 'L3'].map((phase) => ({ value: '10.7', measurand: 'Current.Import', phase, unit: 'A', context: 'Sample.Periodic', location: 'Outlet' })),
  ...['L1-N', 'L2-N', 'L3-N'].map((phase) => ({ value: '229.8', measurand: 'Voltage', phase, unit: 'V', context: 'Sample.Periodic', location: 'Outlet' })),
  { value: '16', measurand: 'Current.Offered', unit: 'A', context: 'Sample.Periodic' },
  { value: '11', measurand: 'Power.Offered', unit: 'kW', context: 'Sample.Periodic' },
  { value: '57', measurand: 'SoC', unit: 'Percent', context: 'Sample.Periodic', location: 'EV' },
  { value: '31.5', measurand: 'Temperature', unit: 'Celsius', context: 'Sample.Periodic', location: 'Body' },
];

/** One station's traffic: MeterValues in a transaction, now and then a StatusNotification. */
export class StationLoad {
  private energy = 0;
  private charging = true;
  /** The sampled values after the energy register, as JSON: they never change. */
  private readonly otherSamples: string;

  constructor(
    readonly charger: SimCharger,
    readonly transactionId: number,
    samples: number,
    private readonly statusShare: number,
  ) {
    const rest = [{ value: '7.4', measurand: 'Power.Active.Import', unit: 'kW', context: 'Sample.Periodic' }, ...EXTRA_SAMPLES.slice(0, Math.min(12, samples) - 2)];
    this.otherSamples = rest.map((s) => JSON.stringify(s)).join(',');
  }

  /** The next CALL's frame, for `SimCharger.send`. */
  next(): (id: string) => string {
    const timestamp = isoNow();
    if (Math.random() < this.statusShare) {
      this.charging = !this.charging;
      const status = this.charging ? 'Charging' : 'SuspendedEV';
      return (id) => `[2,"${id}","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"${status}","timestamp":"${timestamp}"}]`;
    }
    this.energy += 37;
    const energy = this.energy;
    return (id) =>
      `[2,"${id}","MeterValues",{"connectorId":1,"transactionId":${this.transactionId},"meterValue":[{"timestamp":"${timestamp}","sampledValue":[` +
      `{"value":"${energy}","measurand":"Energy.Active.Import.Register","unit":"Wh","context":"Sample.Periodic"},${this.otherSamples}]}]}]`;
  }
}
