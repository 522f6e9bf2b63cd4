import { api, ocppSuite, uniqueStation } from './harness.js';

describe('OCPP operator views (review R2)', () => {
  const { ocpp } = ocppSuite();

  it('a NUL character in an operator id or filter is a 400, not a 500 (PostgreSQL text cannot hold it)', async () => {
    const paths = [
      ['GET', '/api/v1/stations/CP%00X'],
      ['GET', '/api/v1/stations/CP%00X/meter-values'],
      ['GET', '/api/v1/stations/CP%00X/charging-profiles'],
      ['GET', '/api/v1/stations/CP%00X/messages'],
      ['GET', '/api/v1/stations/CP%00X/local-list'],
      ['PUT', '/api/v1/stations/CP%00X'],
      ['DELETE', '/api/v1/stations/CP%00X'],
      ['GET', '/api/v1/stations/CP1/messages?kind=A%00'],
      ['GET', '/api/v1/transactions?stationId=CP%00X'],
      ['GET', '/api/v1/transactions?idTag=T%00'],
      ['GET', '/api/v1/reservations?stationId=CP%00X'],
      ['GET', '/api/v1/id-tags/T%00'],
      ['PUT', '/api/v1/id-tags/T%00'],
      ['DELETE', '/api/v1/id-tags/T%00'],
      ['GET', '/api/v1/id-tags/T%00/local-lists'],
    ] as const;
    const statuses = [];
    for (const [method, path] of paths) statuses.push({ method, path, status: (await api(ocpp(), method, path, method === 'PUT' ? {} : undefined)).status });
    expect(statuses).toEqual(paths.map(([method, path]) => ({ method, path, status: 400 })));
    const filtered = await api(ocpp(), 'GET', '/api/v1/transactions?idTag=T%00');
    expect(JSON.stringify(filtered.body)).toContain('idTag must not contain a NUL character');
  });

  it('a NUL character in a body field is a 400 naming it, and nothing is stored', async () => {
    const tag = uniqueStation('NULTAG').slice(-16);
    const token = await api(ocpp(), 'PUT', `/api/v1/id-tags/${tag}`, { parentIdTag: 'P\u0000' });
    expect({ status: token.status, names: JSON.stringify(token.body).includes('parentIdTag') }).toEqual({ status: 400, names: true });
    expect((await api(ocpp(), 'GET', `/api/v1/id-tags/${tag}`)).status).toBe(404);
    const station = uniqueStation('NULCP');
    const aliased = await api(ocpp(), 'PUT', `/api/v1/stations/${station}`, { subprotocolAliases: { 'ocpp\u00001.6': 'ocpp1.6' } });
    expect({ status: aliased.status, names: JSON.stringify(aliased.body).includes('subprotocolAliases') }).toEqual({ status: 400, names: true });
    expect((await api(ocpp(), 'GET', `/api/v1/stations/${station}`)).status).toBe(404);
  });

  it("the meter-values total reads each reading's stored sample_count, not its JSON (a later commit had undone b483d67)", async () => {
    // White-box on purpose: the count is the same either way, only its cost differs (a year of
    // readings parsed for every page). A sample_count unlike the JSON shows which one was read.
    const station = uniqueStation('COUNT');
    await ocpp().db.query(`INSERT INTO stations (id) VALUES ($1)`, [station]);
    const samples = JSON.stringify([{ measurand: 'Voltage', value: 230, rawValue: '230', unit: 'V', format: 'Raw' }]);
    await ocpp().db.query(
      `INSERT INTO meter_readings (station_id, connector_id, sampled_at, samples, sample_count) VALUES ($1, 1, '2026-03-01T10:00:00Z', $2, 7), ($1, 1, '2026-03-01T10:01:00Z', $2, NULL)`,
      [station, samples],
    );
    expect((await api(ocpp(), 'GET', `/api/v1/stations/${station}/meter-values?limit=1`)).body).toMatchObject({ total: 8 });
  });
});
