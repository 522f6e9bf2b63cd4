import { Streams } from '@cpo/contracts';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { BusNames } from '../bus-names.js';
import { PublishRefusedError } from '../outbox/publish-failure.js';
import { StreamGuard } from './stream-guard.js';

const noStream = new PublishRefusedError('no stream stores this subject (503 no responders)', 503);

/** A manager whose streams are all gone; `add` fails while `down` is set. */
function setUp(now: { t: number }) {
  const added: string[] = [];
  const state = { down: false };
  const jsm = {
    streams: {
      info: async () => {
        throw new Error('stream not found');
      },
      add: async (config: { name: string }) => {
        if (state.down) throw new Error('jetstream is not enabled');
        added.push(config.name);
        return {};
      },
      update: async () => ({}),
    },
  } as unknown as JetStreamManager;
  const logs: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
  const log = (level: string) => (obj: Record<string, unknown>, msg: string) => logs.push({ level, msg, obj });
  const logger = { warn: log('warn'), error: log('error'), info: log('info'), debug: log('debug') } as unknown as Logger;
  const guard = new StreamGuard({ jsm, names: new BusNames('t_guard'), replicas: 1, logger, definitions: [Streams.OCPP, Streams.PLANNER], minIntervalMs: 5000, now: () => now.t });
  return { guard, added, state, logs };
}

describe('StreamGuard', () => {
  it('re-creates the streams when a publish found none, logs which once at warn, and says a retry is worth it', async () => {
    const now = { t: 0 };
    const { guard, added, logs } = setUp(now);
    expect(await guard.recover(noStream)).toBe(true);
    expect(added).toEqual(['t_guard_OCPP', 't_guard_PLANNER']);
    expect(logs).toEqual([expect.objectContaining({ level: 'warn', obj: expect.objectContaining({ created: ['t_guard_OCPP', 't_guard_PLANNER'] }) })]);
    expect(guard.check()).toEqual({});
  });

  it('does nothing for failures re-creating streams cannot cure', async () => {
    const { guard, added } = setUp({ t: 0 });
    expect(await guard.recover(new PublishRefusedError('insufficient resources', 503, 10023))).toBe(false);
    expect(await guard.recover(new Error('publisher closed'))).toBe(false);
    expect(added).toEqual([]);
  });

  it('checks the streams when a publish got no answer (a core subscriber on the subject hides the 503), and only then retries', async () => {
    const now = { t: 0 };
    const { guard, added, state, logs } = setUp(now);
    expect(await guard.recover(new Error('no PubAck within 5000 ms'))).toBe(true);
    expect(added).toHaveLength(2);
    // NATS down altogether: no retry, and readiness is the connection check's business.
    state.down = true;
    now.t = 10_000;
    expect(await guard.recover(new Error('no PubAck within 5000 ms'))).toBe(false);
    expect(guard.check()).toEqual({});
    expect(logs.filter((l) => l.level === 'error')).toHaveLength(0);
  });

  it('re-ensures at most once per interval and once at a time, however many publishes fail', async () => {
    const now = { t: 0 };
    const { guard, added } = setUp(now);
    const together = await Promise.all([guard.recover(noStream), guard.recover(noStream), guard.recover(noStream)]);
    expect(together).toEqual([true, true, true]);
    expect(added).toHaveLength(2);
    now.t = 4999;
    expect(await guard.recover(noStream)).toBe(false);
    expect(added).toHaveLength(2);
    now.t = 5000;
    expect(await guard.recover(noStream)).toBe(true);
    expect(added).toHaveLength(4);
  });

  it('reports not ready while the streams cannot be re-created, logging the failure once, and ready once they are', async () => {
    const now = { t: 0 };
    const { guard, state, logs } = setUp(now);
    state.down = true;
    expect(await guard.recover(noStream)).toBe(false);
    now.t = 10_000;
    expect(await guard.recover(noStream)).toBe(false);
    expect(() => guard.check()).toThrow(/streams missing/);
    expect(logs.filter((l) => l.level === 'error')).toHaveLength(1);
    state.down = false;
    now.t = 20_000;
    expect(await guard.recover(noStream)).toBe(true);
    expect(guard.check()).toEqual({});
  });
});
