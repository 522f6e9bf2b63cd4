import { ConnectorSplits } from './connector-splits.js';

describe('ConnectorSplits', () => {
  it('ignores stations whose cap no pass here has split', () => {
    expect(new ConnectorSplits().beyond('S1', 5)).toBe(false);
  });

  it('a connector beyond the split triggers once; those within it never', async () => {
    const splits = new ConnectorSplits();
    expect(await splits.over('S1', async () => 2)).toBe(2);
    expect(splits.beyond('S1', 2)).toBe(false);
    expect(splits.beyond('S1', 3)).toBe(true);
    expect(splits.beyond('S1', 3)).toBe(false);
  });

  it('a connector reported while the count is read raises the split, with no trigger of its own', async () => {
    const splits = new ConnectorSplits();
    let release!: (n: number) => void;
    const split = splits.over('S1', () => new Promise<number>((r) => (release = r)));
    expect(splits.beyond('S1', 3)).toBe(false);
    release(2);
    expect(await split).toBe(3);
    expect(splits.beyond('S1', 3)).toBe(false);
  });
});
