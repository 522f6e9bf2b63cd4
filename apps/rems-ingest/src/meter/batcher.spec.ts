import { jest } from '@jest/globals';
import { Batcher } from './batcher.js';

describe('Batcher', () => {
  afterEach(() => jest.useRealTimers());

  it('writes a full batch at once and resolves its items after the write', async () => {
    const writes: number[][] = [];
    const batcher = new Batcher<number>(async (items) => void writes.push(items), { maxSize: 3, flushMs: 10_000, concurrency: 1 });
    await Promise.all([1, 2, 3].map((n) => batcher.add(n)));
    expect(writes).toEqual([[1, 2, 3]]);
  });

  it('writes a partial batch after flushMs', async () => {
    jest.useFakeTimers();
    const writes: number[][] = [];
    const batcher = new Batcher<number>(async (items) => void writes.push(items), { maxSize: 100, flushMs: 50, concurrency: 1 });
    const added = Promise.all([batcher.add(1), batcher.add(2)]);
    expect(writes).toEqual([]);
    await jest.advanceTimersByTimeAsync(50);
    await added;
    expect(writes).toEqual([[1, 2]]);
  });

  it('rejects every item of a failed batch', async () => {
    const batcher = new Batcher<number>(async () => Promise.reject(new Error('db down')), { maxSize: 2, flushMs: 1, concurrency: 1 });
    const results = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('keeps at most `concurrency` writes in flight, and drain waits for them', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const release: (() => void)[] = [];
    const batcher = new Batcher<number>(
      async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise<void>((r) => release.push(r));
        inFlight--;
      },
      { maxSize: 1, flushMs: 1, concurrency: 2 },
    );
    const all = Promise.all([1, 2, 3, 4].map((n) => batcher.add(n)));
    const drained = batcher.drain();
    while (release.length > 0 || inFlight > 0) {
      await new Promise((r) => setImmediate(r));
      release.shift()?.();
    }
    await all;
    await drained;
    expect(maxInFlight).toBe(2);
  });
});

describe('Batcher group commit', () => {
  it('collects items while every write slot is busy and writes them as one batch afterwards', async () => {
    const writes: number[][] = [];
    let release: () => void = () => undefined;
    const batcher = new Batcher<number>(
      async (items) => {
        writes.push(items);
        if (writes.length === 1) await new Promise<void>((r) => (release = r));
      },
      { maxSize: 100, flushMs: 1, concurrency: 1 },
    );
    const first = batcher.add(0);
    await new Promise((r) => setTimeout(r, 10));
    const rest = Promise.all([1, 2, 3, 4].map((n) => batcher.add(n)));
    await new Promise((r) => setTimeout(r, 10));
    expect(writes).toEqual([[0]]);
    release();
    await Promise.all([first, rest]);
    expect(writes).toEqual([[0], [1, 2, 3, 4]]);
  });

  it('never writes more than maxSize items at once', async () => {
    const writes: number[][] = [];
    const batcher = new Batcher<number>(async (items) => void writes.push(items), { maxSize: 2, flushMs: 1, concurrency: 1 });
    await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.add(n)));
    expect(writes.flat()).toEqual([1, 2, 3, 4, 5]);
    expect(Math.max(...writes.map((w) => w.length))).toBe(2);
  });
});
