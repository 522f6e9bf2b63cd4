import { jest } from '@jest/globals';
import { LAST_SEEN_MAX_BATCH, LastSeenWriter } from './last-seen.js';

const at = (s: number) => new Date(Date.UTC(2026, 11, 7, 12, 0, s));

/** A write that resolves only when told to, recording what it was given. */
function gatedWrite() {
  const writes: { ids: string[]; at: Date[] }[] = [];
  const gates: (() => void)[] = [];
  const write = (ids: string[], times: Date[]) =>
    new Promise<void>((resolve) => {
      writes.push({ ids, at: times });
      gates.push(resolve);
    });
  return { writes, write, open: () => gates.shift()?.() };
}

describe('LastSeenWriter', () => {
  it('runs one write at a time, coalescing the beats that arrive meanwhile to the newest per station', async () => {
    const { writes, write, open } = gatedWrite();
    const writer = new LastSeenWriter(write, jest.fn());
    writer.seen('CP-1', at(0));
    writer.seen('CP-2', at(1));
    writer.seen('CP-1', at(3));
    writer.seen('CP-1', at(2)); // an older beat (another replica's clock, a late frame) never wins
    expect(writes).toEqual([{ ids: ['CP-1'], at: [at(0)] }]);
    open();
    await new Promise((r) => setImmediate(r));
    expect(writes[1]).toEqual({ ids: ['CP-1', 'CP-2'], at: [at(3), at(1)] });
    open();
    await writer.drained();
    expect(writes).toHaveLength(2);
  });

  it('writes at most LAST_SEEN_MAX_BATCH stations per statement', async () => {
    const write = jest.fn(async (_ids: string[], _at: Date[]) => undefined);
    const writer = new LastSeenWriter(write, jest.fn());
    for (let i = 0; i <= LAST_SEEN_MAX_BATCH + 1; i++) writer.seen(`CP-${i}`, at(0));
    await writer.drained();
    expect(write.mock.calls.map(([ids]) => ids.length)).toEqual([1, LAST_SEEN_MAX_BATCH, 1]);
  });

  it('reports a failed write and keeps writing later beats', async () => {
    const failed = jest.fn();
    const write = jest.fn(async (ids: string[]) => {
      if (ids.includes('CP-1')) throw new Error('connection terminated');
    });
    const writer = new LastSeenWriter(write, failed);
    writer.seen('CP-1', at(0));
    await writer.drained();
    writer.seen('CP-2', at(1));
    await writer.drained();
    expect(failed).toHaveBeenCalledWith(expect.any(Error), 1);
    expect(write).toHaveBeenLastCalledWith(['CP-2'], [at(1)]);
  });
});
