import type { Sample } from './observe.js';
import { chargerTable, collapse, complianceRowsFrom, joinNotes, complianceTable, powerTable, stepLines, tomorrowTable, verdict, type TomorrowHour } from './summary.js';
import { duration, kw, renderTable, taipeiClock, taipeiStamp, thin } from './text.js';

const T0 = Date.parse('2026-12-04T19:25:00Z'); // 03:25:00 Taipei
const sample = (s: Partial<Sample> & { atMs: number }): Sample => ({ groupId: 'G', kind: 'measured', limitKw: 100, source: 'contract', drawKw: 93.3, meteredKw: 93.3, charging: 8, paused: 0, ...s });

describe('demo summary', () => {
  it('collapses unchanged rows and keeps events and overruns', () => {
    const rows = collapse([
      sample({ atMs: T0, note: 'settled' }),
      sample({ atMs: T0 + 5000 }),
      sample({ atMs: T0 + 10_000 }),
      sample({ atMs: T0 + 15_000, note: 'emergency 30 kW from 03:45' }),
      sample({ atMs: T0 + 20_000, drawKw: 100.2 }),
      sample({ atMs: T0 + 25_000, drawKw: 100.2 }),
    ]);
    expect(rows.map((r) => [r.atMs - T0, r.unchangedUntilMs && r.unchangedUntilMs - T0])).toEqual([
      [0, 10_000],
      [15_000, undefined],
      [20_000, undefined],
      [25_000, undefined],
    ]);
  });

  it('prints limit vs power with scheduled rows marked, and flags a row over the limit', () => {
    const text = powerTable([
      sample({ atMs: T0, note: 'settled' }),
      sample({ atMs: T0 + 5000 }),
      sample({ atMs: T0 + 10_000, drawKw: 100.5 }),
      sample({ atMs: T0 + 20 * 60_000, kind: 'scheduled', limitKw: 30, source: 'emergency', drawKw: 28.4, meteredKw: undefined, charging: 7, paused: 1, note: 'scheduled: emergency starts' }),
    ]).join('\n');
    expect(text).toContain('time (Taipei)  limit kW  source     chargers kW  metered kW  charging/paused  event');
    expect(text).toMatch(/03:25:00 +100\.0 +contract +93\.3 +93\.3 +8\/0 +settled; unchanged until 03:25:05/);
    expect(text).toMatch(/03:25:10 .* 100\.5 .*OVER LIMIT/);
    expect(powerTable([sample({ atMs: T0, drawKw: 169 }), sample({ atMs: T0 + 5000 })], T0 + 1000).join('\n')).toMatch(/169\.0 .*above the limit before the first plans \(start-up\)/);
    expect(text).toMatch(/03:45:00 \* +30\.0 +emergency +28\.4 +– +7\/1 +scheduled: emergency starts/);
  });

  it('judges only settled and scheduled rows, and failed steps', () => {
    const samples = [sample({ atMs: T0, drawKw: 150 }), sample({ atMs: T0 + 60_000 }), sample({ atMs: T0 + 20 * 60_000, kind: 'scheduled', limitKw: 30, drawKw: 28.4 })];
    expect(verdict([{ step: 'assignment', status: 'done', detail: '' }, { step: 'adjust', status: 'skipped', detail: 'after 14:00' }], samples, T0 + 1000)).toEqual({ ok: true, problems: [] });
    const bad = verdict([{ step: 'reply', groupId: 'G', status: 'failed', detail: 'oscp answered 400' }], [...samples, sample({ atMs: T0 + 20 * 60_000, kind: 'scheduled', limitKw: 30, drawKw: 31 })], T0 + 1000);
    expect(bad.ok).toBe(false);
    expect(bad.problems).toEqual(['reply (G) failed: oscp answered 400', 'G at 03:45:00 (scheduled): chargers 31.0 kW > limit 30.0 kW']);
  });

  it('says a shared topic of several events once', () => {
    expect(joinNotes(['settled', 'tomorrow: assigned', 'tomorrow: adjust sent', 'tomorrow: reply', 'emergency 30 kW from 03:45'])).toBe('settled; tomorrow: assigned, adjust sent, reply; emergency 30 kW from 03:45');
  });

  it('lists the steps with their outcome', () => {
    expect(stepLines([{ step: 'adjust request', groupId: 'G', status: 'skipped', detail: 'after 14:00' }])).toEqual(['  [SKIP] adjust request (G): after 14:00']);
  });

  it('merges tomorrow\'s equal hours into ranges', () => {
    const hours: TomorrowHour[] = Array.from({ length: 24 }, (_, h) => {
      const peak = h >= 17 && h < 21;
      return { hour: h, assignedKw: peak ? 50 : 80, requestedKw: peak ? 100 : 80, grantedKw: peak ? 100 : 80, limitKw: peak ? 100 : 80, source: 'day_ahead_reply' };
    });
    const text = tomorrowTable(hours);
    expect(text.slice(2).map((l) => l.trim().split(/ +/))).toEqual([
      ['00:00–17:00', '80.0', '80.0', '80.0', '80.0', 'day_ahead_reply'],
      ['17:00–21:00', '50.0', '100.0', '100.0', '100.0', 'day_ahead_reply'],
      ['21:00–24:00', '80.0', '80.0', '80.0', '80.0', 'day_ahead_reply'],
    ]);
  });

  it('shows the chargers\' limits now and at a later instant', () => {
    const text = chargerTable([{ stationId: 'DEMO-A01', evKw: 22, status: 'charging (fair share)', limitNowA: 18, drawNowKw: 11.88, limitThenA: 6.2, drawThenKw: 4.09 }], '03:45');
    expect(text[0]).toBe('  charger   EV kW  allocation             limit now A  draw now kW  limit 03:45 A  draw 03:45 kW');
    expect(text[2]).toMatch(/DEMO-A01 +22 +charging \(fair share\) +18\.0 +11\.9 +6\.2 +4\.1/);
  });

  it('reads compliance windows tolerantly and prints them', () => {
    const rows = complianceRowsFrom({
      windows: [
        { windowStart: '2026-12-04T19:26:00Z', windowEnd: '2026-12-04T19:27:00Z', limitKw: 100, averageKw: 93.3, status: 'ok' },
        { start: '2026-12-04T19:25:00Z', end: '2026-12-04T19:26:00Z', limitKw: '100', measuredKw: 101, compliant: false },
        { note: 'no start: ignored' },
      ],
    });
    expect(rows).toEqual([
      { startMs: T0, endMs: T0 + 60_000, limitKw: 100, measuredKw: 101, compliant: false },
      { startMs: T0 + 60_000, endMs: T0 + 120_000, limitKw: 100, measuredKw: 93.3, compliant: true },
    ]);
    expect(complianceTable(rows).slice(2)).toEqual(['  03:25–03:26         100.0       101.0  EXCEEDED', '  03:26–03:27         100.0        93.3  compliant']);
    expect(complianceRowsFrom(undefined)).toEqual([]);
  });
});

describe('demo table formatting', () => {
  it('aligns columns, right-aligns numbers and trims trailing blanks', () => {
    const lines = renderTable(
      [
        { header: 'name', value: (r: { n: string; v: number }) => r.n },
        { header: 'kW', value: (r) => kw(r.v), align: 'right' },
      ],
      [
        { n: 'DEMO-A01', v: 11.94 },
        { n: 'B', v: 100 },
      ],
    );
    expect(lines).toEqual(['  name         kW', '  --------  -----', '  DEMO-A01   11.9', '  B         100.0']);
  });

  it('renders unknown numbers as a dash', () => {
    expect(kw(undefined)).toBe('–');
    expect(kw(null)).toBe('–');
    expect(kw(Number.NaN)).toBe('–');
    expect(kw(4.05, 2)).toBe('4.05');
  });

  it('shows instants in Asia/Taipei (UTC+8), across midnight', () => {
    expect(taipeiClock(Date.parse('2026-12-04T19:45:00Z'))).toBe('03:45:00');
    expect(taipeiStamp(Date.parse('2026-12-04T16:00:00Z'))).toBe('2026-12-05 00:00');
  });

  it('formats durations', () => {
    expect(duration(42_400)).toBe('42s');
    expect(duration(65_000)).toBe('1m05s');
    expect(duration(-5)).toBe('0s');
  });

  it('thins to at most max items, keeping first, last and marked ones in order', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const kept = thin(items, 8, (i) => i === 17);
    expect(kept.length).toBeLessThanOrEqual(8);
    expect(kept[0]).toBe(0);
    expect(kept.at(-1)).toBe(49);
    expect(kept).toContain(17);
    expect([...kept].sort((a, b) => a - b)).toEqual(kept);
    expect(thin([1, 2, 3], 8)).toEqual([1, 2, 3]);
  });
});
