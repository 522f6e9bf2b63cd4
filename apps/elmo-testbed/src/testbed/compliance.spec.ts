import { effectiveLimitKw, quarterView } from './compliance.js';
import type { Negotiation } from './negotiation.js';

const day = '2024-10-02';
const t = (iso: string) => Date.parse(iso);
const negotiation = (over: Partial<Negotiation>): Negotiation => ({ groupId: 'G', day, state: 'NEGOTIATING', assignedKw: new Array(24).fill(100), requestedKw: null, ...over });

describe('testbed compliance view', () => {
  it('takes the reply over the assignment and the lower emergency on top', () => {
    const at = t('2024-10-02T08:00:00Z'); // 16:00 Taipei
    expect(effectiveLimitKw(at, negotiation({}), [])).toBe(100);
    expect(effectiveLimitKw(at, negotiation({ state: 'EXTRA_REPLY_FINISH', repliedKw: new Array(24).fill(150) }), [])).toBe(150);
    expect(effectiveLimitKw(at, negotiation({}), [{ startMs: at - 1, endMs: at + 1, kw: 50 }])).toBe(50);
    expect(effectiveLimitKw(at, negotiation({ state: 'NEGOTIATING_FAILED' }), [])).toBeNull();
    expect(effectiveLimitKw(at, undefined, [{ startMs: at + 1, endMs: at + 2, kw: 50 }])).toBeNull();
  });

  it('averages kW per quarter from the register and flags excess', () => {
    const points = [
      { atMs: t('2024-10-02T08:00:00Z'), kwh: 10 },
      { atMs: t('2024-10-02T08:14:00Z'), kwh: 31 }, // 21 kWh in 14 min = 90 kW
      { atMs: t('2024-10-02T08:15:00Z'), kwh: 31 },
      { atMs: t('2024-10-02T08:29:00Z'), kwh: 59 }, // 28 kWh in 14 min = 120 kW
      { atMs: t('2024-10-02T08:30:00Z'), kwh: 59 },
    ];
    const view = quarterView(points, () => negotiation({}), []);
    expect(view).toEqual([
      { start: '2024-10-02T08:00:00.000Z', avgKw: 90, limitKw: 100, compliant: true },
      { start: '2024-10-02T08:15:00.000Z', avgKw: 120, limitKw: 100, compliant: false },
    ]);
  });
});
