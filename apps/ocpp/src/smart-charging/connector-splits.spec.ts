import { ConnectorSplits } from './connector-splits.js';

describe('ConnectorSplits', () => {
  it('ignores stations whose cap no pass here has split', () => {
    expect(new ConnectorSplits().reported('S1', 5)).toBe(false);
  });

  it('a connector beyond the split is reported until a pass splits over it (one that failed is tried again); those within it never', async () => {
    const splits = new ConnectorSplits();
    expect(await splits.over('S1', async () => 2)).toBe(2);
    expect(splits.reported('S1', 2)).toBe(false);
    expect(splits.reported('S1', 3)).toBe(true);
    expect(splits.behind('S1')).toBe(true);
    await expect(splits.over('S1', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(splits.reported('S1', 3)).toBe(true);
    expect(await splits.over('S1', async () => 3)).toBe(3);
    expect(splits.reported('S1', 3)).toBe(false);
    expect(splits.behind('S1')).toBe(false);
  });

  it('a connector reported while the count is read raises the split, with no trigger of its own', async () => {
    const splits = new ConnectorSplits();
    let release!: (n: number) => void;
    const split = splits.over('S1', () => new Promise<number>((r) => (release = r)));
    expect(splits.reported('S1', 3)).toBe(false);
    release(2);
    expect(await split).toBe(3);
    expect(splits.reported('S1', 3)).toBe(false);
  });

  it('learns the count another replica split over once, and whether a connector known now lies beyond it', async () => {
    const splits = new ConnectorSplits();
    expect(await splits.learn('S1', async () => undefined)).toBe(false);
    expect(splits.has('S1')).toBe(false);
    expect(await splits.learn('S2', async () => ({ split: 2, known: 2 }))).toBe(false);
    expect(splits.reported('S2', 3)).toBe(true);
    expect(await splits.learn('S3', async () => ({ split: 2, known: 3 }))).toBe(true);
    let reads = 0;
    expect(await splits.learn('S2', async () => (reads++, { split: 9, known: 9 }))).toBe(false);
    expect(reads).toBe(0);
  });

  it('a count read during a reconnect is not kept: the reconnect pass sets it', async () => {
    const splits = new ConnectorSplits();
    let release!: (n: number) => void;
    const split = splits.over('S1', () => new Promise<number>((r) => (release = r)));
    splits.forget('S1');
    release(4);
    expect(await split).toBe(4);
    expect(splits.has('S1')).toBe(false);
  });
});
