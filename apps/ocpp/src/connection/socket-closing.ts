import WebSocket from 'ws';

/**
 * Calls `listener` once, as soon as the socket stops being OPEN: our close, a terminate, the
 * charger's close frame, its TCP end or a socket error. The socket's `close` event comes later,
 * after the close handshake (never, until terminated, for a charger that answers the close frame
 * but keeps TCP open), and a socket that can no longer carry a CALL must not look held that long.
 *
 * ws has no event for a close frame received: its receiver answers one by calling the instance's
 * `close()`, so `close` and `terminate` are wrapped on this instance (socket-closing.spec.ts pins
 * that behaviour against a real ws server, should a ws upgrade change it).
 */
export function onceClosing(socket: WebSocket, listener: () => void): void {
  let fired = false;
  const fire = () => {
    if (fired || socket.readyState === WebSocket.OPEN) return;
    fired = true;
    listener();
  };
  const close = socket.close.bind(socket);
  const terminate = socket.terminate.bind(socket);
  socket.close = (code?: number, data?: string | Buffer) => {
    close(code, data);
    fire();
  };
  socket.terminate = () => {
    terminate();
    fire();
  };
  socket.once('close', fire);
}
