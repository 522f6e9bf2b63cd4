import { buildOwnCdr } from './own-cdr.js';

const session = { country_code: 'TW', party_id: 'OWN', id: '42', start_date_time: '2025-06-18T13:00:00Z', cdr_token: { uid: 'U' }, auth_method: 'AUTH_REQUEST', location_id: 'L1', evse_uid: 'E1', connector_id: '1', currency: 'TWD' };
const tariff = {
  id: 'T1',
  currency: 'TWD',
  elements: [
    { price_components: [{ type: 'ENERGY', price: 2, step_size: 1, vat: 5 }], restrictions: { start_time: '22:00', end_time: '06:00' } },
    { price_components: [{ type: 'ENERGY', price: 3, step_size: 1, vat: 5 }] },
  ],
  last_updated: '2025-06-01T00:00:00Z',
};

describe('own CDR pricing', () => {
  it('applies the tariff restrictions in the Location’s time zone (21:00–23:00 Taipei: half at the night rate)', () => {
    const cdr = buildOwnCdr(session, { id: 'L1', time_zone: 'Asia/Taipei', evses: [] }, tariff, { at: '2025-06-18T15:00:00Z', kwh: 20, lastUpdated: '2025-06-18T17:00:00Z' });
    expect(cdr.total_cost).toEqual({ excl_vat: 50, incl_vat: 52.5 });
    expect(cdr.total_energy_cost).toEqual({ excl_vat: 50, incl_vat: 52.5 });
    expect(cdr).not.toHaveProperty('total_time_cost');
  });

  it('the same session at a UTC Location is all day rate', () => {
    const cdr = buildOwnCdr(session, { id: 'L1', time_zone: 'UTC', evses: [] }, tariff, { at: '2025-06-18T15:00:00Z', kwh: 20, lastUpdated: '2025-06-18T17:00:00Z' });
    expect(cdr.total_cost).toEqual({ excl_vat: 60, incl_vat: 63 });
  });

  it('bills the time plugged in without charging as PARKING_TIME, and counts it apart from the charging TIME', () => {
    const parkingTariff = {
      id: 'T2',
      currency: 'TWD',
      elements: [{ price_components: [{ type: 'ENERGY', price: 3, step_size: 1 }, { type: 'PARKING_TIME', price: 60, step_size: 60 }] }],
      last_updated: '2025-06-01T00:00:00Z',
    };
    // 13:00–14:00 charging 20 kWh, then 30 min plugged in at 0 A.
    const periods = [
      { end: '2025-06-18T14:00:00Z', kwh: 20, currentA: 48 },
      { end: '2025-06-18T14:30:00Z', kwh: 0, currentA: 0, parking: true },
    ];
    const cdr = buildOwnCdr(session, { id: 'L1', time_zone: 'UTC', evses: [] }, parkingTariff, { at: '2025-06-18T14:30:00Z', kwh: 20, periods, lastUpdated: '2025-06-18T17:00:00Z' });
    expect(cdr).toMatchObject({ total_time: 1.5, total_parking_time: 0.5, total_parking_cost: { excl_vat: 30 }, total_cost: { excl_vat: 90 } });
    expect((cdr.charging_periods as { dimensions: unknown[] }[])[0].dimensions).toEqual([
      { type: 'ENERGY', volume: 20 },
      { type: 'TIME', volume: 1 },
      { type: 'PARKING_TIME', volume: 0.5 },
    ]);
  });
});
