import type { AddressInfo, Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { onceClosing, sessionClosing } from './socket-closing.js';

/** A real ws server socket and its client: the close frame received is ws internals this relies on. */
async function pair(): Promise<{ server: WebSocket; client: WebSocket; done: () => Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const accepted = new Promise<WebSocket>((r) => wss.once('connection', r));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  await new Promise((r) => client.once('open', r));
  const server = await accepted;
  return {
    server,
    client,
    done: async () => {
      client.terminate();
      server.terminate();
      await new Promise((r) => wss.close(r));
    },
  };
}

describe('onceClosing', () => {
  it("fires on the peer's close frame, while TCP stays open and the close event is still to come", async () => {
    const { server, client, done } = await pair();
    try {
      let closing = 0;
      let closed = false;
      server.on('close', () => (closed = true));
      const fired = new Promise<void>((resolve) => onceClosing(server, () => (closing++, resolve())));
      const tcp = (client as unknown as { _socket: Socket })._socket;
      tcp.removeAllListeners('data');
      tcp.pause();
      tcp.write(Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]));
      await fired;
      expect(server.readyState).toBe(WebSocket.CLOSING);
      await new Promise((r) => setTimeout(r, 50));
      expect(closed).toBe(false);
      server.terminate();
      await new Promise((r) => server.once('close', r));
      expect(closing).toBe(1);
    } finally {
      await done();
    }
  });

  it('fires at once when our side closes or terminates, once', async () => {
    const { server, done } = await pair();
    try {
      let closing = 0;
      onceClosing(server, () => closing++);
      server.close(4002, 'credentials changed');
      expect(closing).toBe(1);
      server.terminate();
      await new Promise((r) => server.once('close', r));
      expect(closing).toBe(1);
    } finally {
      await done();
    }
  });

  it('fires at once on a terminate (dead peer)', async () => {
    const { server, done } = await pair();
    try {
      let closing = 0;
      onceClosing(server, () => closing++);
      server.terminate();
      expect(closing).toBe(1);
    } finally {
      await done();
    }
  });
});

describe('sessionClosing', () => {
  it("fails the calls, then resolves, on the peer's close frame (before the close event)", async () => {
    const { server, client, done } = await pair();
    try {
      const order: string[] = [];
      const closing = sessionClosing(server, () => order.push('calls failed')).then(() => order.push('closing'));
      server.on('close', () => order.push('closed'));
      const tcp = (client as unknown as { _socket: Socket })._socket;
      tcp.removeAllListeners('data');
      tcp.pause();
      tcp.write(Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]));
      await closing;
      expect(order).toEqual(['calls failed', 'closing']);
    } finally {
      await done();
    }
  });

  it("terminates a handshake the peer started and never finishes (TCP kept open) after the bound, not ws's 30 s", async () => {
    const { server, client, done } = await pair();
    try {
      void sessionClosing(server, () => undefined, 100);
      const closed = new Promise<number>((r) => server.once('close', () => r(Date.now())));
      const tcp = (client as unknown as { _socket: Socket })._socket;
      tcp.removeAllListeners('data');
      tcp.pause();
      const started = Date.now();
      tcp.write(Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]));
      let timer: NodeJS.Timeout | undefined;
      const at = await Promise.race([closed, new Promise<number>((r) => (timer = setTimeout(() => r(Infinity), 2_000)))]);
      clearTimeout(timer);
      expect(at - started).toBeLessThan(1_000);
    } finally {
      await done();
    }
  });
});
