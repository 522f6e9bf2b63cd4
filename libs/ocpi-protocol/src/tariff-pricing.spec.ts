import { priceSession, type SessionUsage } from './tariff-pricing.js';

type Json = Record<string, unknown>;
const pc = (type: string, price: number, extra: Json = {}) => ({ type, price, step_size: 1, ...extra });
const el = (components: Json[], restrictions?: Json) => ({ price_components: components, ...(restrictions ? { restrictions } : {}) });
const tariff = (elements: Json[], extra: Json = {}) => ({ id: 'T', currency: 'EUR', elements, last_updated: '2025-01-01T00:00:00Z', ...extra });
const one = (start: string, end: string, kwh: number, extra: Partial<SessionUsage['periods'][number]> = {}, timeZone?: string): SessionUsage => ({ start, timeZone, periods: [{ end, kwh, ...extra }] });

const night = tariff([el([pc('ENERGY', 0.2)], { start_time: '22:00', end_time: '06:00' }), el([pc('ENERGY', 0.3)])]);
const stepSwitch = tariff([el([pc('TIME', 1.2, { step_size: 1800 })], { end_time: '17:00' }), el([pc('TIME', 2.4, { step_size: 900 })], { start_time: '17:00' })]);

describe('priceSession with tariff restrictions', () => {
  const cases: [string, Json | undefined, SessionUsage, number, number | undefined, ('2.1.1' | '2.2.1')?][] = [
    ['no tariff: free', undefined, one('2025-06-18T10:00:00Z', '2025-06-18T11:00:00Z', 10), 0, undefined],
    ['one element, VAT on every component', tariff([el([pc('ENERGY', 10, { vat: 5 })])]), one('2025-06-18T01:00:00Z', '2025-06-18T02:00:00Z', 12.5), 125, 131.25],
    ['start/end time wrapping past midnight: half before 22:00, half after', night, one('2025-06-18T21:00:00Z', '2025-06-18T23:00:00Z', 20), 5, undefined],
    ['local time of the Location (Asia/Taipei, +08:00)', night, one('2025-06-18T13:00:00Z', '2025-06-18T15:00:00Z', 20, {}, 'Asia/Taipei'), 5, undefined],
    ['the same session in UTC is all day rate', night, one('2025-06-18T13:00:00Z', '2025-06-18T15:00:00Z', 20), 6, undefined],
    ['end_time is exclusive, wrap covers the early morning', night, one('2025-06-19T05:00:00Z', '2025-06-19T07:00:00Z', 2), 0.5, undefined],
    ['an element that matches nowhere and no fallback: free', tariff([el([pc('ENERGY', 0.2)], { start_time: '22:00', end_time: '06:00' })]), one('2025-06-18T10:00:00Z', '2025-06-18T12:00:00Z', 20), 0, undefined],
    [
      'start_date inclusive, end_date exclusive (local)',
      tariff([el([pc('ENERGY', 0.1)], { start_date: '2025-06-18', end_date: '2025-06-19' }), el([pc('ENERGY', 0.3)])]),
      one('2025-06-18T23:00:00Z', '2025-06-19T01:00:00Z', 2),
      0.4,
      undefined,
    ],
    [
      'day_of_week: weekend hours cost double (Friday 23:00 → Saturday 01:00)',
      tariff([el([pc('TIME', 2)], { day_of_week: ['SATURDAY', 'SUNDAY'] }), el([pc('TIME', 1)])]),
      one('2025-06-20T23:00:00Z', '2025-06-21T01:00:00Z', 0),
      3,
      undefined,
    ],
    [
      'min_kwh inclusive / max_kwh exclusive: the first 10 kWh at one price, the rest at another',
      tariff([el([pc('ENERGY', 0.5)], { max_kwh: 10 }), el([pc('ENERGY', 0.25)], { min_kwh: 10 })]),
      one('2025-06-18T10:00:00Z', '2025-06-18T11:00:00Z', 30),
      10,
      undefined,
    ],
    [
      'min/max_duration (the spec’s supermarket example: 30 min free, then 0.25, after 60 min 0.40)',
      tariff([el([pc('ENERGY', 0)], { max_duration: 1800 }), el([pc('ENERGY', 0.25)], { max_duration: 3600 }), el([pc('ENERGY', 0.4)])]),
      { start: '2025-06-18T10:00:00Z', periods: [{ end: '2025-06-18T10:30:00Z', kwh: 5 }, { end: '2025-06-18T10:40:00Z', kwh: 1.2 }] },
      0.3,
      undefined,
    ],
    [
      'min_duration: the element starts after an hour of session',
      tariff([el([pc('TIME', 6)], { min_duration: 3600 })]),
      one('2025-06-18T10:00:00Z', '2025-06-18T11:30:00Z', 0),
      3,
      undefined,
    ],
    [
      'max_power (the spec’s example: 1 kWh at 6 kW, 40 kWh at 48 kW, 0.5 kWh at 4 kW → 20.30)',
      tariff([el([pc('ENERGY', 0.2)], { max_power: 16 }), el([pc('ENERGY', 0.35)], { max_power: 32 }), el([pc('ENERGY', 0.5)])]),
      { start: '2025-06-18T10:00:00Z', periods: [{ end: '2025-06-18T10:10:00Z', kwh: 1 }, { end: '2025-06-18T11:00:00Z', kwh: 40 }, { end: '2025-06-18T11:07:30Z', kwh: 0.5 }] },
      20.3,
      undefined,
    ],
    ['min_power inclusive: 22 kW average meets min_power 22', tariff([el([pc('ENERGY', 0.6)], { min_power: 22 }), el([pc('ENERGY', 0.3)])]), one('2025-06-18T10:00:00Z', '2025-06-18T11:00:00Z', 22), 13.2, undefined],
    ['max_current (2.2.1) with a known current', tariff([el([pc('ENERGY', 0.1)], { max_current: 20 }), el([pc('ENERGY', 0.3)])]), one('2025-06-18T10:00:00Z', '2025-06-18T11:00:00Z', 10, { currentA: 16 }), 1, undefined],
    ['max_current (2.2.1) with an unknown current does not apply', tariff([el([pc('ENERGY', 0.1)], { max_current: 20 }), el([pc('ENERGY', 0.3)])]), one('2025-06-18T10:00:00Z', '2025-06-18T11:00:00Z', 10), 3, undefined],
    ['2.1.1 has no current restrictions: the field is ignored', tariff([el([pc('ENERGY', 0.1)], { max_current: 20 }), el([pc('ENERGY', 0.3)])]), one('2025-06-18T10:00:00Z', '2025-06-18T11:00:00Z', 10), 1, undefined, '2.1.1'],
    ['a reservation element never prices charging', tariff([el([pc('TIME', 5)], { reservation: 'RESERVATION' }), el([pc('TIME', 1)])]), one('2025-06-18T10:00:00Z', '2025-06-18T11:00:00Z', 0), 1, undefined],
    ['step_size across a switch (spec example #1: 16:55 + 10 min → 0.50)', stepSwitch, one('2025-06-18T16:55:00Z', '2025-06-18T17:05:00Z', 0), 0.5, undefined],
    ['step_size across a switch (spec example #2: 16:35 + 35 min → 1.30)', stepSwitch, one('2025-06-18T16:35:00Z', '2025-06-18T17:10:00Z', 0), 1.3, undefined],
    ['step_size of ENERGY in Wh', tariff([el([pc('ENERGY', 0.25, { step_size: 500 })])]), one('2025-06-18T10:00:00Z', '2025-06-18T10:01:00Z', 0.1152), 0.125, undefined],
    ['FLAT once, with energy', tariff([el([pc('FLAT', 2), pc('ENERGY', 0.1)])]), one('2025-06-18T10:00:00Z', '2025-06-18T11:00:00Z', 5), 2.5, undefined],
    ['min_price (2.2.1) lifts the total', tariff([el([pc('ENERGY', 0.1)])], { min_price: { excl_vat: 3 } }), one('2025-06-18T10:00:00Z', '2025-06-18T11:00:00Z', 5), 3, undefined],
    ['max_price (2.2.1) caps the total', tariff([el([pc('ENERGY', 1)])], { max_price: { excl_vat: 2.2 } }), one('2025-06-18T10:00:00Z', '2025-06-18T11:00:00Z', 5), 2.2, undefined],
    [
      'parking periods are PARKING_TIME, not TIME',
      tariff([el([pc('TIME', 2), pc('PARKING_TIME', 4)])]),
      { start: '2025-06-18T10:00:00Z', periods: [{ end: '2025-06-18T11:00:00Z', kwh: 7 }, { end: '2025-06-18T11:30:00Z', kwh: 0, parking: true }] },
      4,
      undefined,
    ],
  ];
  for (const [name, t, usage, excl, incl, version] of cases) {
    it(name, () => {
      const cost = priceSession(t, usage, version);
      expect(cost.total.excl_vat).toBeCloseTo(excl, 4);
      if (incl === undefined) expect(cost.total.incl_vat).toBeUndefined();
      else expect(cost.total.incl_vat).toBeCloseTo(incl, 4);
    });
  }

  it('reports the cost per dimension', () => {
    const cost = priceSession(tariff([el([pc('FLAT', 1, { vat: 10 }), pc('ENERGY', 0.5, { vat: 10 }), pc('TIME', 2, { vat: 10 })])]), one('2025-06-18T10:00:00Z', '2025-06-18T10:30:00Z', 4));
    expect(cost).toEqual({
      total: { excl_vat: 4, incl_vat: 4.4 },
      fixed: { excl_vat: 1, incl_vat: 1.1 },
      energy: { excl_vat: 2, incl_vat: 2.2 },
      time: { excl_vat: 1, incl_vat: 1.1 },
    });
  });

  it('falls back to UTC for an invalid time zone', () => {
    expect(priceSession(night, one('2025-06-18T21:00:00Z', '2025-06-18T23:00:00Z', 20, {}, 'Not/AZone')).total.excl_vat).toBeCloseTo(5, 4);
  });
});
