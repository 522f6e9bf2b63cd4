import net, { type AddressInfo, type Socket } from 'node:net';

/**
 * Stand-ins for a dependency that stops answering without closing the connection (failover,
 * network partition without RST): the kernel keeps the socket open, no byte comes back.
 */

/** Accepts connections and never answers. */
export class SilentServer {
  private readonly sockets = new Set<Socket>();
  private readonly server = net.createServer((socket) => {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  });

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  get connections(): number {
    return this.sockets.size;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** Forwards to a real server until `partition()`; then drops every byte both ways, closing nothing. */
export class PartitionableProxy {
  partitioned = false;
  private readonly sockets = new Set<Socket>();
  private readonly server = net.createServer((client) => {
    const upstream = net.connect(this.target.port, this.target.host);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk) => this.partitioned || upstream.write(chunk));
    upstream.on('data', (chunk) => this.partitioned || client.write(chunk));
  });

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  partition(): void {
    this.partitioned = true;
  }

  /** New connections work again; the ones open during the partition stay dead, as after a failover. */
  heal(): void {
    for (const s of this.sockets) s.pause();
    this.partitioned = false;
  }

  /** The server closes every open connection (a restart, a failover with RST), and takes new ones. */
  reset(): void {
    for (const s of this.sockets) s.destroy();
    this.partitioned = false;
  }

  get connections(): number {
    return this.sockets.size / 2;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** Settles within `ms` or reports that it hung (what every caller of a silent dependency saw before the timeouts). */
export async function within<T>(ms: number, work: Promise<T>): Promise<{ value?: T; error?: Error } | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms)));
  try {
    return await Promise.race([work.then((value) => ({ value }), (error: Error) => ({ error })), hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** The test PostgreSQL's URL (its credentials) pointed at `port` on loopback (a proxy) and `database`. */
export function postgresUrlVia(postgresUrl: string, port: number, database: string): string {
  const url = new URL(postgresUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  url.pathname = `/${database}`;
  return url.toString();
}
