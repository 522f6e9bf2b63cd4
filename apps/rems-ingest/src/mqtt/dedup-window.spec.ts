import { DedupWindow, type RedisPipelineLike } from './dedup-window.js';

/** An in-memory stand-in for Redis SET NX (no expiry: the tests stay inside one window). */
function fakeRedis() {
  const keys = new Set<string>();
  let pipelines = 0;
  const redis: RedisPipelineLike = {
    pipeline() {
      pipelines++;
      const ops: string[] = [];
      return {
        set(key: string) {
          ops.push(key);
          return this;
        },
        async exec() {
          return ops.map((k) => {
            if (keys.has(k)) return [null, null] as [null, null];
            keys.add(k);
            return [null, 'OK'] as [null, string];
          });
        },
      };
    },
  };
  return { redis, pipelines: () => pipelines };
}

describe('DedupWindow', () => {
  it('flags a repeat of the same transceiver, port and frame, in one pipeline per turn', async () => {
    const { redis, pipelines } = fakeRedis();
    const window = new DedupWindow(redis, 'ns', 120);
    const results = await Promise.all([
      window.isDuplicate('A', 0, '14'),
      window.isDuplicate('A', 0, '14'),
      window.isDuplicate('A', 1, '14'),
      window.isDuplicate('B', 0, '14'),
      window.isDuplicate('A', 0, '15'),
    ]);
    expect(results).toEqual([false, true, false, false, false]);
    expect(pipelines()).toBe(1);
    expect(await window.isDuplicate('A', 0, '14')).toBe(true);
  });

  it('is off with a zero window', async () => {
    const { redis, pipelines } = fakeRedis();
    const window = new DedupWindow(redis, 'ns', 0);
    expect(await window.isDuplicate('A', 0, '14')).toBe(false);
    expect(await window.isDuplicate('A', 0, '14')).toBe(false);
    expect(pipelines()).toBe(0);
  });

  it('rejects every check of a failed pipeline', async () => {
    const redis: RedisPipelineLike = { pipeline: () => ({ set: () => undefined, exec: async () => Promise.reject(new Error('redis down')) }) };
    const window = new DedupWindow(redis, 'ns', 120);
    await expect(window.isDuplicate('A', 0, '14')).rejects.toThrow('redis down');
  });
});
