import type { DataSource, EntityManager } from 'typeorm';
import { CommitBatcher } from './commit-batcher.js';

/** A DataSource whose transactions only record what they were given. */
function fakeDb(): DataSource {
  return { transaction: async <T>(fn: (tx: EntityManager) => Promise<T>) => fn({} as EntityManager) } as unknown as DataSource;
}

describe('CommitBatcher', () => {
  it('commits a lone item at once and groups the items that arrive while a commit runs', async () => {
    const commits: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new CommitBatcher<number, number>(
      fakeDb(),
      async (items) => {
        commits.push(items);
        if (commits.length === 1) await gate;
        return items.map((i) => i * 10);
      },
      { maxBatch: 3, concurrency: 1 },
    );
    const first = batcher.submit(1);
    const rest = [2, 3, 4, 5].map((i) => batcher.submit(i));
    release();
    expect(await first).toBe(10);
    expect(await Promise.all(rest)).toEqual([20, 30, 40, 50]);
    expect(commits).toEqual([[1], [2, 3, 4], [5]]);
  });

  it('isolates a failing item: only its caller sees the error, the others are committed', async () => {
    const committed: number[] = [];
    const batcher = new CommitBatcher<number, void>(
      fakeDb(),
      async (items) => {
        if (items.includes(3)) throw new Error('bad item 3');
        committed.push(...items);
        return items.map(() => undefined);
      },
      { maxBatch: 10, concurrency: 1 },
    );
    const blocker = batcher.submit(0);
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map((i) => batcher.submit(i)));
    await blocker;
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(committed.sort()).toEqual([0, 1, 2, 4, 5]);
  });

  it('with lingerMs, items arriving while a commit runs wait for it instead of taking the second slot', async () => {
    const commits: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new CommitBatcher<number, void>(
      async (items) => {
        commits.push(items);
        if (commits.length === 1) await gate;
        return items.map(() => undefined);
      },
      { maxBatch: 10, concurrency: 2, lingerMs: 60_000 },
    );
    const first = batcher.submit(1);
    const rest = [2, 3, 4].map((i) => batcher.submit(i));
    await new Promise((r) => setTimeout(r, 20));
    // Without lingerMs the second slot would have taken [2, 3, 4] at once.
    expect(commits).toEqual([[1]]);
    release();
    await Promise.all([first, ...rest]);
    expect(commits).toEqual([[1], [2, 3, 4]]);
  });

  it('with lingerMs, a full batch or an item that waited lingerMs takes the second slot beside a slow commit', async () => {
    const commits: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new CommitBatcher<number, void>(
      async (items) => {
        commits.push(items);
        if (commits.length === 1) await gate;
        return items.map(() => undefined);
      },
      { maxBatch: 2, concurrency: 2, lingerMs: 30 },
    );
    const first = batcher.submit(1);
    const full = [2, 3].map((i) => batcher.submit(i));
    await Promise.all(full);
    expect(commits).toEqual([[1], [2, 3]]);
    const late = batcher.submit(4);
    await late; // committed beside the stalled first commit once it waited 30 ms
    expect(commits).toEqual([[1], [2, 3], [4]]);
    release();
    await first;
  });
});
