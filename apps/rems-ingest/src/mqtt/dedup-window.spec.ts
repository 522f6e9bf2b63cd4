import { DedupWindow, type RedisPipelineLike } from './dedup-window.js';

/** An in-memory stand-in for Redis MGET and the SET script (no expiry: the tests stay inside one window). */
function fakeRedis() {
  const keys = new Set<string>();
  const expiries: unknown[] = [];
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
        eval(script: string, numKeys: number, ...args: (string | number)[]) {
          expect(script).toMatch(/redis\.call\('SET', KEYS\[i\], '1', 'EX', ARGV\[1\]\)/);
          ops.push(() => {
            for (const key of args.slice(0, numKeys)) keys.add(String(key));
            expiries.push(args[numKeys]);
            return [null, numKeys];
          });
          return this;
        },
        async exec() {
          return ops.map((op) => op());
        },
      };
    },
  };
  return { redis, pipelines: () => pipelines, expiries };
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
    const { redis, pipelines, expiries } = fakeRedis();
    const window = new DedupWindow(redis, 'ns', 120);
    const [a, b, c] = [window.keyOf('A', 0, '14'), window.keyOf('B', 0, '14'), window.keyOf('C', 0, '14')];
    await window.remember(a);
    const before = pipelines();
    expect(await Promise.all([window.seen(a), window.remember(b), window.seen(b), window.seen(a), window.remember(c)])).toEqual([true, undefined, false, true, undefined]);
    expect(pipelines() - before).toBe(1);
    // The records of one turn are one script call, with the window as their expiry.
    expect(expiries).toEqual([120, 120]);
    expect(await Promise.all([window.seen(b), window.seen(c)])).toEqual([true, true]);
  });

  it('is off with a zero window', async () => {
    const { redis, pipelines } = fakeRedis();
    const window = new DedupWindow(redis, 'ns', 0);
    await window.remember(window.keyOf('A', 0, '14'));
    expect(await window.seen(window.keyOf('A', 0, '14'))).toBe(false);
    expect(pipelines()).toBe(0);
  });

  it('rejects every operation of a failed pipeline and reports a failed write once', async () => {
    const redis = { pipeline: () => ({ mget: () => undefined, eval: () => undefined, exec: async () => Promise.reject(new Error('redis down')) }) } as RedisPipelineLike;
    const reported: [string, number][] = [];
    const window = new DedupWindow(redis, 'ns', 120, (err, frames) => reported.push([(err as Error).message, frames]));
    await expect(window.seen('k')).rejects.toThrow('redis down');
    const writes = [window.remember('k1'), window.remember('k2')];
    await expect(writes[0]).rejects.toThrow('redis down');
    await expect(writes[1]).rejects.toThrow('redis down');
    expect(reported).toEqual([['redis down', 2]]);
  });
});
