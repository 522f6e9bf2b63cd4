import WebSocket from 'ws';

/**
 * How long a close handshake may take, whoever started it, before the socket is terminated: ws's
 * own close timer (30 s) would keep a socket whose charger never completes it (half-open TCP, or
 * its close frame sent or answered without closing TCP) that long, its session, presence record
 * and disconnection with it.
 */
export const CLOSE_HANDSHAKE_MS = 5_000;

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

/**
 * A session's `closing`: resolves as soon as the socket stops being OPEN, whoever started the
 * close, after failing its CSMS → charger calls (`failCalls`: answered `disconnected`, Offline).
 * Our own close fails them itself; a close the charger started (its close frame) used to leave the
 * calls queued behind the one in flight waiting for the `close` event, up to the handshake's end,
 * then their timeout: they can never be sent (a CALL is only written to an OPEN socket).
 * The call in flight ends here too, not at the `close` event: no answer to it can arrive any more.
 * After its close frame the charger sends no data frames (RFC 6455 §5.5.1), and ws stops reading
 * the moment it gets that frame (receiverOnConclude removes the socket's data listener); a receive
 * error or a terminate stop reading as well. An answer sent before the close frame was handled
 * before it (frames are processed in order). Its outcome (`disconnected`) is the one the `close`
 * event would give it, only not seconds later.
 * The handshake is bounded from here as well (`terminateAfterMs`): our close sets its own bound,
 * possibly shorter (a stopping replica's), but a close the charger started had none but ws's 30 s
 * close timer. A terminate of a socket already closed does nothing, so whichever bound ends first
 * wins.
 */
export function sessionClosing(socket: WebSocket, failCalls: () => void, terminateAfterMs = CLOSE_HANDSHAKE_MS): Promise<void> {
  return new Promise((resolve) =>
    onceClosing(socket, () => {
      failCalls();
      setTimeout(() => socket.terminate(), terminateAfterMs).unref();
      resolve();
    }),
  );
}
