import { KeyedTurns } from './keyed-turns.js';

describe('KeyedTurns', () => {
  it('runs one key\'s work in order, each after the one before settled (a failure included), other keys meanwhile', async () => {
    const turns = new KeyedTurns();
    const log: string[] = [];
    let releaseFirst!: () => void;
    const first = turns.run('a', async () => {
      log.push('a1 start');
      await new Promise<void>((r) => (releaseFirst = r));
      log.push('a1 end');
      throw new Error('a1 failed');
    });
    const second = turns.run('a', async () => {
      log.push('a2');
      return 2;
    });
    const other = turns.run('b', async () => {
      log.push('b1');
      return 'b';
    });
    expect(await other).toBe('b');
    expect(log).toEqual(['a1 start', 'b1']);
    releaseFirst();
    await expect(first).rejects.toThrow('a1 failed');
    expect(await second).toBe(2);
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
  });

  it('forgets a key once its last work settled', async () => {
    const turns = new KeyedTurns();
    const done = turns.run('a', async () => undefined);
    expect(turns.busy('a')).toBe(true);
    await done;
    await new Promise((r) => setImmediate(r));
    expect(turns.busy('a')).toBe(false);
  });
});
