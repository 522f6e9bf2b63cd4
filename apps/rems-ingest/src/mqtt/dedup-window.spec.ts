import { DedupWindow, type RedisPipelineLike } from './dedup-window.js';

/** An in-memory stand-in for Redis MGET / SET (no expiry: the tests stay inside one window). */
function fakeRedis() {
  const keys = new Set<string>();
  let pipelines = 0;
  const redis: RedisPipelineLike = {
    pipeline() {
      pipelines++;
      const ops: (() => [null, unknown])[] = [];
      return {
        mget(list: string[]) {
          ops.push(() => [null, list.map((key) => (keys.has(key) ? '1' : null))]);
          return this;
        },
        set(key: string) {
          ops.push(() => {
            keys.add(key);
            return [null, 'OK'];
          });
          return this;
        },
        async exec() {
          return ops.map((op) => op());
        },
      };
    },
  };
  return { redis, pipelines: () => pipelines };
}

describe('DedupWindow', () => {
  it('knows a (transceiver, port, frame) only once it was remembered after its commit', async () => {
    const { redis, pipelines } = fakeRedis();
    const window = new DedupWindow(redis, 'ns', 120);
    const key = window.keyOf('A', 0, '14');
    expect(window.keyOf('A', 0, '14')).toBe(key);
    expect(new Set([key, window.keyOf('A', 1, '14'), window.keyOf('B', 0, '14'), window.keyOf('A', 0, '15')]).size).toBe(4);
    // Not yet committed: a redelivery of a frame whose commit failed must get through.
    expect(await Promise.all([window.seen(key), window.seen(key)])).toEqual([false, false]);
    expect(pipelines()).toBe(1);
    await window.remember(key);
    expect(await window.seen(key)).toBe(true);
    expect(await window.seen(window.keyOf('A', 1, '14'))).toBe(false);
  });

  it('answers checks and records issued in the same turn from one pipeline', async () => {
    const { redis, pipelines } = fakeRedis();
    const window = new DedupWindow(redis, 'ns', 120);
    const [a, b] = [window.keyOf('A', 0, '14'), window.keyOf('B', 0, '14')];
    await window.remember(a);
    const before = pipelines();
    expect(await Promise.all([window.seen(a), window.remember(b), window.seen(b), window.seen(a)])).toEqual([true, undefined, false, true]);
    expect(pipelines() - before).toBe(1);
    expect(await window.seen(b)).toBe(true);
  });

  it('is off with a zero window', async () => {
    const { redis, pipelines } = fakeRedis();
    const window = new DedupWindow(redis, 'ns', 0);
    await window.remember(window.keyOf('A', 0, '14'));
    expect(await window.seen(window.keyOf('A', 0, '14'))).toBe(false);
    expect(pipelines()).toBe(0);
  });

  it('rejects every operation of a failed pipeline', async () => {
    const redis = { pipeline: () => ({ mget: () => undefined, set: () => undefined, exec: async () => Promise.reject(new Error('redis down')) }) } as RedisPipelineLike;
    const window = new DedupWindow(redis, 'ns', 120);
    await expect(window.seen('k')).rejects.toThrow('redis down');
    await expect(window.remember('k')).rejects.toThrow('redis down');
  });
});
