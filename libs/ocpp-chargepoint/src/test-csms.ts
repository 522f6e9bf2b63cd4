import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export type CsmsAnswer = Record<string, unknown> | [string, string] | undefined;

/**
 * Answers of a central system that accepts everything: boot Accepted,
 * every tag Accepted, transactions numbered by `transactionId` (a fixed id,
 * or a counter from 1 when omitted), `{}` for the rest.
 */
export function acceptingAnswers(options: { transactionId?: number; interval?: number } = {}): (action: string) => CsmsAnswer {
  let next = 0;
  return (action) => {
    switch (action) {
      case 'BootNotification':
        return { status: 'Accepted', currentTime: new Date().toISOString(), interval: options.interval ?? 300 };
      case 'Authorize':
        return { idTagInfo: { status: 'Accepted' } };
      case 'StartTransaction':
        return { transactionId: options.transactionId ?? ++next, idTagInfo: { status: 'Accepted' } };
      case 'Heartbeat':
        return { currentTime: new Date().toISOString() };
      default:
        return {};
    }
  };
}

/**
 * A scriptable central system for SDK and simulator tests: records every
 * frame, lets the test answer or ignore CALLs and send its own.
 */
export class TestCsms {
  readonly received: unknown[][] = [];
  readonly connections: { identity: string; protocol: string; authorization?: string; socket: WebSocket }[] = [];
  private server!: WebSocketServer;
  private waiters: { match: (f: unknown[]) => boolean; resolve: (f: unknown[]) => void }[] = [];
  /** Answer for charger CALLs: return a payload, a [code, description] error tuple, or undefined to stay silent. */
  onCall: (action: string, payload: Record<string, unknown>) => CsmsAnswer = () => ({});

  async start(protocols: string[] = ['ocpp1.6']): Promise<string> {
    this.server = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: (offered) => [...offered].find((p) => protocols.includes(p)) ?? false });
    await once(this.server, 'listening');
    this.server.on('connection', (socket, req) => {
      const identity = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
      this.connections.push({ identity, protocol: socket.protocol, authorization: req.headers.authorization, socket });
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as unknown[];
        this.received.push(frame);
        this.waiters = this.waiters.filter((w) => (w.match(frame) ? (w.resolve(frame), false) : true));
        if (frame[0] === 2) {
          const answer = this.onCall(frame[2] as string, frame[3] as Record<string, unknown>);
          if (Array.isArray(answer)) socket.send(JSON.stringify([4, frame[1], answer[0], answer[1], {}]));
          else if (answer) socket.send(JSON.stringify([3, frame[1], answer]));
        }
      });
    });
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/ocpp`;
  }

  get socket(): WebSocket {
    return this.connections[this.connections.length - 1].socket;
  }

  /** Next frame (already received or future) satisfying `match`. */
  next(match: (f: unknown[]) => boolean, timeoutMs = 5000): Promise<unknown[]> {
    const seen = this.received.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no matching frame')), timeoutMs);
      this.waiters.push({ match, resolve: (f) => (clearTimeout(t), resolve(f)) });
    });
  }

  /** Sends a CALL to the charger and resolves with its answer frame. */
  async callCharger(uniqueId: string, action: string, payload: unknown): Promise<unknown[]> {
    this.socket.send(JSON.stringify([2, uniqueId, action, payload]));
    return this.next((f) => (f[0] === 3 || f[0] === 4) && f[1] === uniqueId);
  }

  sendRaw(text: string): void {
    this.socket.send(text);
  }

  async stop(): Promise<void> {
    for (const c of this.connections) c.socket.terminate();
    await new Promise((r) => this.server.close(() => r(undefined)));
  }
}
