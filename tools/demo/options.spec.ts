import { DEFAULTS, parseOptions, PEAK_HOURS, planSite } from './options.js';
import { dayWindows, parseHhmm } from './day.js';

describe('demo options', () => {
  it('defaults to 20 chargers in 2 groups', () => {
    expect(parseOptions([])).toEqual(DEFAULTS);
    expect(DEFAULTS).toMatchObject({ chargers: 20, groups: 2 });
  });

  it('reads flags (also --flag=value) over the environment', () => {
    const o = parseOptions(['--', '--chargers', '30', '--groups=3', '--keep'], { DEMO_CHARGERS: '12', DEMO_OBSERVE: '60' });
    expect(o).toMatchObject({ chargers: 30, groups: 3, keep: true, observeS: 60 });
  });

  it('names the bad flag or variable', () => {
    expect(() => parseOptions(['--chargers', 'many'])).toThrow(/--chargers must be an integer/);
    expect(() => parseOptions([], { DEMO_GROUPS: '9' })).toThrow(/DEMO_GROUPS .* between 1 and 6/);
    expect(() => parseOptions(['--chargers'])).toThrow(/--chargers/);
    expect(() => parseOptions(['--fast'])).toThrow(/unknown option --fast/);
    expect(() => parseOptions(['--chargers', '1', '--groups', '2'])).toThrow(/at least --groups/);
  });

  it('plans a site: stable station ids, group ids unique per run, an adjust and an emergency for group A only', () => {
    const [a, b, c] = planSite({ chargers: 7, groups: 3, sessionShare: 0.8, emergencyShare: 0.3 }, '032436');
    expect(a.stationIds).toEqual(['DEMO-A01', 'DEMO-A02', 'DEMO-A03']);
    expect(b.stationIds).toEqual(['DEMO-B01', 'DEMO-B02']);
    expect(c.groupId).toBe('DEMO-C-032436');
    expect(a.sessions).toBe(2);
    expect(a.contractKw).toBe(30);
    expect(a.emergencyKw).toBe(9);
    expect(b.emergencyKw).toBeUndefined();
    expect(b.requestKw).toBeUndefined();
    expect(a.assignedKw).toHaveLength(24);
    // The request repeats the assignment outside the peak (ELMO's reply replaces the whole day) and never exceeds the contract.
    a.requestKw!.forEach((kw, h) => expect(kw).toBe(PEAK_HOURS.includes(h) ? a.contractKw : a.assignedKw[h]));
    expect(a.requestKw!.every(Number.isInteger)).toBe(true);
  });
});

const taipei = (local: string) => Date.parse(`${local}+08:00`);

describe('which of ELMO\'s steps the demo may play now', () => {
  it('allows everything in the morning, tomorrow being the next Taipei date', () => {
    const w = dayWindows(taipei('2026-12-05T03:24:36'));
    expect(w.tomorrow).toBe('2026-12-06');
    expect(w.dayAhead.ok).toBe(true);
    expect(w.adjust).toEqual({ ok: true, minutesLeft: 636 });
  });

  it('closes the adjust request at the cut-off, 13:59 vs 14:00, with the reason', () => {
    expect(dayWindows(taipei('2026-12-05T13:59:59')).adjust.ok).toBe(true);
    const after = dayWindows(taipei('2026-12-05T14:00:00')).adjust;
    expect(after.ok).toBe(false);
    expect(!after.ok && after.why).toMatch(/only before 14:00 Asia\/Taipei .*00:00 Taipei, i\.e\. 16:00–06:00 UTC/);
    expect(dayWindows(taipei('2026-12-05T09:00:00'), '08:30').adjust.ok).toBe(false);
  });

  it('keeps the day-ahead steps away from Taipei midnight, where "tomorrow" changes', () => {
    expect(dayWindows(taipei('2026-12-05T23:49:59')).dayAhead.ok).toBe(true);
    const late = dayWindows(taipei('2026-12-05T23:50:00'));
    expect(late.dayAhead.ok).toBe(false);
    expect(late.adjust.ok).toBe(false);
    expect(dayWindows(taipei('2026-12-06T00:00:00')).tomorrow).toBe('2026-12-07');
  });

  it('starts an emergency on the first quarter-hour at least 15 min ahead, as ELMO does', () => {
    expect(dayWindows(taipei('2026-12-05T03:24:36')).emergencyStartMs).toBe(taipei('2026-12-05T03:45:00'));
    expect(dayWindows(taipei('2026-12-05T03:30:00')).emergencyStartMs).toBe(taipei('2026-12-05T03:45:00'));
    expect(dayWindows(taipei('2026-12-05T23:50:00')).emergencyStartMs).toBe(taipei('2026-12-06T00:15:00'));
  });

  it('parses HH:MM strictly', () => {
    expect(parseHhmm('13:50')).toBe(830);
    expect(() => parseHhmm('24:00')).toThrow(RangeError);
  });
});
