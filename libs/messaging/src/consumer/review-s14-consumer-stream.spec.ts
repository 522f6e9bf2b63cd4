import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { ConsumerSubscription } from './consumer-subscription.js';

const streamNotFound = () => Object.assign(new Error('stream not found'), { name: 'StreamNotFoundError', code: 10059 });

/**
 * A durable whose stream is gone waits for nothing if only the stream's publishers put it back: a
 * stream published to rarely (roaming commands) stays missing, and the consumer, with the whole
 * service's readiness, stays down until someone publishes on it. The consumer asks the stream guard
 * to put its stream back (the streams every service ensures at boot), as a failed publish does.
 */
describe('a durable whose stream is missing (review s14)', () => {
  it('has the streams re-ensured and consumes again without a publish on that stream', async () => {
    const state = { stream: false, durable: false };
    const jsm = {
      consumers: {
        info: async () => {
          if (!state.stream) throw streamNotFound();
          if (!state.durable) throw Object.assign(new Error('consumer not found'), { name: 'ConsumerNotFoundError', code: 10014 });
          return {};
        },
        add: async () => {
          if (!state.stream) throw streamNotFound();
          state.durable = true;
          return {};
        },
        update: async () => ({}),
      },
    } as unknown as JetStreamManager;
    const js = {
      consumers: { get: async () => ({ consume: async () => ({ close: async () => undefined, status: async function* () {} }) }) },
    } as unknown as JetStreamClient;
    const noop = () => undefined;
    const logger = { warn: noop, error: noop, info: noop, debug: noop } as unknown as Logger;
    const recovered: unknown[] = [];
    const streams = {
      recover: async (err: unknown) => {
        recovered.push(err);
        state.stream = true;
        return true;
      },
    };
    state.stream = true;
    const sub = new ConsumerSubscription({ js, jsm, logger, stream: 'S', config: { durable_name: 'd' }, maxMessages: 10, onMessage: noop, retryMs: [5], streams });
    await sub.start();
    // NATS lost its storage: the stream and the durable are gone, and nobody publishes on the stream.
    state.stream = false;
    state.durable = false;
    sub.lost('consumer_deleted');
    for (let i = 0; i < 50 && sub.missing !== undefined; i++) await new Promise((r) => setTimeout(r, 5));
    await sub.stop();
    expect(recovered.length).toBeGreaterThan(0);
    expect(sub.missing).toBeUndefined();
  });
});
