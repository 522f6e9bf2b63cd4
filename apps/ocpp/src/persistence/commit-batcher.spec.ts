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
});
