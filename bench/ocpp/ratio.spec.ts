import { median, ratioVerdict, roundOf, type FlatOut } from './ratio.js';

const rules = { bareSaturated: 0.97, sameSpeed: 0.1 };
const ours = (callsPerS: number, o: Partial<FlatOut> = {}): FlatOut => ({ callsPerS, serverCpu: 0.85, probeCpuMs: 2.3, eventsBehind: 0, ...o });
const bare = (callsPerS: number, o: Partial<FlatOut> = {}): FlatOut => ({ callsPerS, serverCpu: 1.0, probeCpuMs: 2.3, ...o });

describe('the OCPP benchmark ratio', () => {
  it('counts a round whose phases are comparable', () => {
    expect(roundOf(ours(11_000), bare(22_000), rules)).toEqual({ ratio: 0.5, caveats: [] });
  });

  it('does not count a round whose bare server was held below its core', () => {
    const r = roundOf(ours(11_000), bare(20_000, { serverCpu: 0.95 }), rules);
    expect(r.caveats).toEqual(['the bare server got 95 % of a core']);
  });

  it('does not count a round whose phases ran on machines of different speed', () => {
    expect(roundOf(ours(11_000), bare(20_000, { probeCpuMs: 2.6 }), rules).caveats).toEqual(['reference workload 2.3 vs 2.6 ms']);
    // Within 10 %: the same machine.
    expect(roundOf(ours(11_000), bare(20_000, { probeCpuMs: 2.5 }), rules).caveats).toEqual([]);
  });

  it('does not count a rate whose events fell more than a second behind', () => {
    expect(roundOf(ours(11_000, { eventsBehind: 11_001 }), bare(22_000), rules).caveats).toEqual(['not sustained: 11001 events behind']);
    expect(roundOf(ours(11_000, { eventsBehind: 11_000 }), bare(22_000), rules).caveats).toEqual([]);
  });

  it('takes the median of the counted rounds only', () => {
    const v = ratioVerdict([ours(9_000), ours(12_000), ours(11_000)], [bare(20_000), bare(20_000, { serverCpu: 0.9 }), bare(20_000)], rules);
    expect(v.rounds.map((r) => r.ratio)).toEqual([0.45, 0.6, 0.55]);
    expect(v.counted).toBe(2);
    expect(v.ratio).toBeCloseTo(0.5, 10);
    expect(v.met).toBe(true);
  });

  it('gives no verdict on one counted round of several, however good', () => {
    const v = ratioVerdict([ours(15_000), ours(15_000), ours(15_000)], [bare(20_000), bare(20_000, { serverCpu: 0.9 }), bare(20_000, { probeCpuMs: 4 })], rules);
    expect(v).toMatchObject({ counted: 1, needed: 2, ratio: 0.75, met: false });
  });

  it('misses the target below 0.5, and a single-round run needs its one round', () => {
    expect(ratioVerdict([ours(9_000), ours(9_800)], [bare(20_000), bare(20_000)], rules)).toMatchObject({ counted: 2, met: false });
    expect(ratioVerdict([ours(10_000)], [bare(20_000)], rules)).toMatchObject({ counted: 1, needed: 1, met: true });
    expect(ratioVerdict([ours(10_000)], [bare(20_000, { serverCpu: 0.5 })], rules)).toMatchObject({ counted: 0, ratio: undefined, met: false });
  });

  it('medians odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
