import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';

/**
 * Subscribes (core NATS) to events the outbox publishes, delivering each event once, as a JetStream
 * consumer would see it. A core subscription sees every publish, and the outbox delivers at least
 * once: when the fast path's acknowledgement is slower than the relay's grace, the relay publishes
 * the same event again (same Nats-Msg-Id). JetStream stores it once; a plain subscriber would count
 * it twice. Messages without the header are always delivered.
 */
export function subscribeEvents(nc: NatsConnection, subject: string, onEvent: (msg: Msg) => void): Subscription {
  const seen = new Set<string>();
  return nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err) throw err;
      const id = msg.headers?.get('Nats-Msg-Id');
      if (id) {
        if (seen.has(id)) return;
        seen.add(id);
      }
      onEvent(msg);
    },
  });
}
