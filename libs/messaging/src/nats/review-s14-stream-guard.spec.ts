import { Streams } from '@cpo/contracts';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { BusNames } from '../bus-names.js';
import { PublishRefusedError } from '../outbox/publish-failure.js';
import { StreamGuard } from './stream-guard.js';
import { streamConfig } from './streams.js';

const noStream = new PublishRefusedError('no stream stores this subject (503 no responders)', 503);

/**
 * Readiness must come back once the streams are back, even when this replica's publishes stop
 * failing because another replica or service re-created them (JetStream answered "not enabled"
 * to this one's first re-ensure, as right after a NATS restart): no failed publish asks again.
 */
describe('StreamGuard readiness after the streams came back without this replica (review s14)', () => {
  it('is ready again at a probe after the interval, without another failed publish', async () => {
    const now = { t: 0 };
    const state = { down: true };
    const jsm = {
      streams: {
        info: async () => {
          if (state.down) throw new Error('jetstream is not enabled');
          return { config: streamConfig(Streams.OCPP, new BusNames('t_rs14'), 1) };
        },
        add: async () => {
          throw new Error('jetstream is not enabled');
        },
        update: async () => ({}),
      },
    } as unknown as JetStreamManager;
    const noop = () => undefined;
    const logger = { warn: noop, error: noop, info: noop, debug: noop } as unknown as Logger;
    const guard = new StreamGuard({ jsm, names: new BusNames('t_rs14'), replicas: 1, logger, definitions: [Streams.OCPP], minIntervalMs: 5000, now: () => now.t });

    expect(await guard.recover(noStream)).toBe(false);
    expect(() => guard.check()).toThrow(/streams missing/);
    // Another replica put the stream back; this one's publishes succeed from now on.
    state.down = false;
    now.t = 6_000;
    let ready = false;
    for (let i = 0; i < 5 && !ready; i++) {
      try {
        guard.check();
        ready = true;
      } catch {
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    expect(ready).toBe(true);
  });
});
