import WebSocket from 'ws';

/**
 * The server's pings to one charger (guide §1.8): every `intervalMs` ±25 % jitter, so thousands of
 * sockets do not ping in lockstep; after two pings without any sign of the peer, `dead` runs (the
 * socket is terminated). Any inbound frame, a ping or pong included, is such a sign (OCPP-J §4.6):
 * a charger whose stack does not answer pings but keeps sending is alive; the pings only detect one
 * that went silent.
 */
export class KeepAlive {
  private timer?: NodeJS.Timeout;
  private missedPongs = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly intervalMs: number,
    private readonly dead: () => void,
  ) {
    this.schedule();
  }

  /** The peer sent something. */
  alive(): void {
    this.missedPongs = 0;
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.intervalMs <= 0) return;
    const delay = Math.round(this.intervalMs * (0.75 + Math.random() * 0.5));
    this.timer = setTimeout(() => {
      if (this.socket.readyState !== WebSocket.OPEN) return;
      if (this.missedPongs >= 2) return this.dead();
      this.missedPongs += 1;
      this.socket.ping();
      this.schedule();
    }, delay);
    this.timer.unref();
  }
}
