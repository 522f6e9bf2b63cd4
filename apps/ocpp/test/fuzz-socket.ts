/** Sockets and chargers of the fuzz test (fuzz.int-spec.ts). */
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import WebSocket from 'ws';
import { uniqueStation, type OcppHarness } from './harness.js';

export type Received = [number, string, ...unknown[]];

export class FuzzSocket {
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
export async function closedWithin(socket: FuzzSocket, ms: number): Promise<{ code: number; reason: string } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  try {
    return await Promise.race([socket.closed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function log(line: string): void {
  process.stdout.write(`[fuzz] ${line}\n`);
}

export async function bootedCharger(h: OcppHarness, identity = uniqueStation('GOOD')): Promise<ChargePoint16> {
  const cp = new ChargePoint16({ identity, url: h.wsUrl, reconnect: false, responseTimeoutMs: 10_000 });
  void cp.start();
  await cp.waitOpen();
  await cp.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' }, { suppress: false });
  return cp;
}

/** A well-behaved charger keeps sending while the fuzzers run; every CALL must get its proper answer. */
export async function wellBehaved(cp: ChargePoint16, until: () => boolean): Promise<{ calls: number; maxMs: number }> {
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
