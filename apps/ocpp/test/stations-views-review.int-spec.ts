import { api, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

describe('OCPP station lifecycle and operator views (review)', () => {
  let h: OcppHarness;
  beforeAll(async () => {
    h = await startOcpp();
  });
  afterAll(async () => {
    await h.close();
  });

  describe('pagination', () => {
    it('reservations made at the same instant are each listed once across pages', async () => {
      const stationId = uniqueStation();
      const ids = Array.from({ length: 30 }, (_, i) => 1_900_000_000 + i);
      // Same created_at, as for reservations written in one transaction or restored from a dump.
      await h.db.query(
        `INSERT INTO reservations (reservation_id, station_id, connector_id, id_tag, expiry_date, status, created_at)
         SELECT r, $1, 1, 'PAGE-TAG', now() + interval '1 hour', 'Accepted', '2026-01-01T00:00:00Z' FROM unnest($2::int[]) AS r`,
        [stationId, ids],
      );
      const seen: number[] = [];
      for (let offset = 0; offset < ids.length; offset += 7) {
        const page = await api(h, 'GET', `/api/v1/reservations?stationId=${stationId}&limit=7&offset=${offset}`);
        expect(page.body.total).toBe(ids.length);
        seen.push(...page.body.items.map((r: { reservationId: number }) => r.reservationId));
      }
      expect([...seen].sort((a, b) => a - b)).toEqual(ids);
    });
  });
});
