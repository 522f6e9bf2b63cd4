import { Subjects } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
import { api, RawClient, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const boot = { chargePointVendor: 'Acme', chargePointModel: 'S1' };

/** A CALLRESULT's payload; anything else (a CALLERROR) fails the test with the frame. */
async function result(r: RawClient, action: string, payload: unknown): Promise<Record<string, unknown>> {
  const frame = (await r.call(action, payload)) as unknown[];
  expect(frame).toEqual([3, expect.any(String), expect.any(Object)]);
  return frame[2] as Record<string, unknown>;
}

/**
 * Transaction messages whose core fields can be read though they are not of the schema's type
 * (numeric strings, decimals, a number for a sampled value, "" for an optional field, empty lists):
 * guide §1.10/§2.1, they are acknowledged and stored under every policy, never refused and lost.
 */
describe('transactions: core fields read below the schema', () => {
  let h: OcppHarness;
  const sockets: RawClient[] = [];
  beforeAll(async () => {
    h = await startOcpp();
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(async () => {
    await h.close();
  });

  async function station(policy: string): Promise<{ r: RawClient; id: string }> {
    const id = uniqueStation('CORE');
    expect(
      (
        await api(h, 'PUT', `/api/v1/stations/${id}`, {
          validationPolicy: policy,
        })
      ).status,
    ).toBe(201);
    const r = await RawClient.open(`${h.wsUrl}/${id}`);
    sockets.push(r);
    await result(r, 'BootNotification', boot);
    return { r, id };
  }

  const readings = (id: string) =>
    h.db.query(
      `SELECT transaction_id, s.v->>'value' AS value, s.v->>'rawValue' AS raw FROM meter_readings r CROSS JOIN LATERAL json_array_elements(r.samples) AS s(v)
        WHERE station_id = $1 ORDER BY r.id`,
      [id],
    );

  /** ocpp_schema_violations_total of inbound messages processed anyway (the soft violations), by action. */
  async function processed(action: string): Promise<number> {
    const metrics = await fetch(`${h.app.baseUrl}/metrics`).then((res) => res.text());
    const line = metrics.split('\n').find((l) => l.startsWith('ocpp_schema_violations_total{') && [`action="${action}"`, 'direction="inbound"', 'handled="processed"'].every((p) => l.includes(p)));
    return line === undefined ? 0 : Number(line.split(' ').pop());
  }

  it.each(['strict', 'lenient', 'off'])('%s: numeric strings, a decimal register, "" for reservationId and a numeric sampled value are read, stored and acknowledged', async (policy) => {
    const { r, id } = await station(policy);
    const before = await Promise.all(['StartTransaction', 'StopTransaction', 'MeterValues'].map(processed));
    const a = await result(r, 'StartTransaction', {
      connectorId: '1',
      idTag: 'T1',
      meterStart: '1000',
      timestamp: '2026-03-01T10:00:00Z',
      reservationId: '',
    });
    const b = await result(r, 'StartTransaction', {
      connectorId: 2,
      idTag: 'T2',
      meterStart: 1000.5,
      timestamp: '2026-03-01T10:00:00Z',
    });
    const rows = await h.db.query(`SELECT connector_id, meter_start_wh, reservation_id FROM transactions WHERE station_id = $1 ORDER BY connector_id`, [id]);
    // 1000.5 Wh: to the nearest Wh, ties to even, as a register reading of 1000.5 Wh is stored.
    expect(rows).toEqual([
      { connector_id: 1, meter_start_wh: '1000', reservation_id: null },
      { connector_id: 2, meter_start_wh: '1000', reservation_id: null },
    ]);

    expect(
      await result(r, 'MeterValues', {
        connectorId: 2,
        transactionId: String(b['transactionId']),
        meterValue: [
          {
            timestamp: '2026-03-01T10:30:00Z',
            sampledValue: [{ value: 1500 }],
          },
        ],
      }),
    ).toEqual({});
    const transactionData = [{ timestamp: '2026-03-01T10:45:00Z', sampledValue: [{ value: 2400 }] }];
    expect(
      await result(r, 'StopTransaction', {
        transactionId: String(a['transactionId']),
        meterStop: '2500',
        timestamp: '2026-03-01T11:00:00Z',
        transactionData,
      }),
    ).toEqual({});
    const [stopped] = await h.db.query(`SELECT energy_wh, stopped_at IS NOT NULL AS stopped FROM transactions WHERE transaction_id = $1`, [a['transactionId']]);
    expect(stopped).toEqual({ energy_wh: '1500', stopped: true });
    expect(await readings(id)).toEqual([
      { transaction_id: b['transactionId'], value: '1500', raw: '1500' },
      { transaction_id: a['transactionId'], value: '2400', raw: '2400' },
    ]);
    expect(await eventually(() => h.events.of(Subjects.OcppMeterSampled, id).length === 1)).toBe(true);
    expect(h.events.of(Subjects.OcppMeterSampled, id)[0]).toMatchObject({
      transactionId: b['transactionId'],
      samples: [{ value: 1500, unit: 'Wh' }],
    });
    // Flagged as soft violations where the schema is checked (under off nothing is).
    const after = await Promise.all(['StartTransaction', 'StopTransaction', 'MeterValues'].map(processed));
    expect(after.map((n, i) => n - before[i]!)).toEqual(policy === 'off' ? [0, 0, 0] : [2, 1, 1]);
  });

  it.each(['strict', 'lenient', 'off'])('%s: MeterValues with empty lists is answered {} and stores nothing', async (policy) => {
    const { r, id } = await station(policy);
    expect(await result(r, 'MeterValues', { connectorId: 1, meterValue: [] })).toEqual({});
    expect(
      await result(r, 'MeterValues', {
        connectorId: 1,
        meterValue: [{ timestamp: '2026-03-02T10:00:00Z', sampledValue: [] }],
      }),
    ).toEqual({});
    const start = await result(r, 'StartTransaction', {
      connectorId: 1,
      idTag: 'T3',
      meterStart: 0,
      timestamp: '2026-03-02T10:00:00Z',
    });
    expect(
      await result(r, 'StopTransaction', {
        transactionId: start['transactionId'],
        meterStop: 10,
        timestamp: '2026-03-02T11:00:00Z',
        transactionData: [],
      }),
    ).toEqual({});
    expect(await h.db.query(`SELECT count(*)::int AS n FROM meter_readings WHERE station_id = $1`, [id])).toEqual([{ n: 0 }]);
  });

  it.each([
    ['strict', 'TypeConstraintViolation', 'OccurenceConstraintViolation'],
    ['off', 'FormationViolation', 'FormationViolation'],
  ])('%s: core fields that cannot be read are still refused', async (policy, wrongType, missing) => {
    const { r } = await station(policy);
    const bad = await r.call('StartTransaction', {
      connectorId: 'abc',
      idTag: 'T4',
      meterStart: 0,
      timestamp: '2026-03-03T10:00:00Z',
    });
    expect(bad).toEqual([4, expect.any(String), wrongType, expect.stringContaining('connectorId'), expect.any(Object)]);
    const noId = await r.call('StopTransaction', {
      meterStop: 10,
      timestamp: '2026-03-03T11:00:00Z',
    });
    expect(noId).toEqual([4, expect.any(String), missing, expect.stringContaining('transactionId'), expect.any(Object)]);
  });

  it('empty and odd-case sampled value fields are read with their canonical spelling (OCPP defaults for ""), and published', async () => {
    const { r, id } = await station('strict');
    const start = await result(r, 'StartTransaction', {
      connectorId: 1,
      idTag: 'T5',
      meterStart: 0,
      timestamp: '2026-03-04T10:00:00Z',
    });
    const sampledValue = [
      { value: '100', measurand: '', unit: '' },
      {
        value: '15000',
        measurand: 'energy.active.import.register',
        unit: 'wh',
        context: 'sample.periodic',
        location: 'outlet',
        format: 'raw',
      },
      { value: '16', measurand: 'current.import', unit: 'a', phase: 'l1' },
    ];
    expect(
      await result(r, 'MeterValues', {
        connectorId: 1,
        transactionId: start['transactionId'],
        meterValue: [{ timestamp: '2026-03-04T10:30:00Z', sampledValue }],
      }),
    ).toEqual({});
    const stored = await h.db.query(
      `SELECT s.v->>'measurand' AS measurand, s.v->>'unit' AS unit, s.v->>'phase' AS phase, s.v->>'context' AS context FROM meter_readings r
        CROSS JOIN LATERAL json_array_elements(r.samples) AS s(v) WHERE station_id = $1`,
      [id],
    );
    expect(stored).toEqual([
      {
        measurand: 'Energy.Active.Import.Register',
        unit: 'Wh',
        phase: null,
        context: null,
      },
      {
        measurand: 'Energy.Active.Import.Register',
        unit: 'Wh',
        phase: null,
        context: 'Sample.Periodic',
      },
      { measurand: 'Current.Import', unit: 'A', phase: 'L1', context: null },
    ]);
    expect(await eventually(() => h.events.of(Subjects.OcppMeterSampled, id).length === 1)).toBe(true);
    expect(h.events.of(Subjects.OcppMeterSampled, id)[0]!['samples']).toEqual([
      { measurand: 'Energy.Active.Import.Register', value: 100, unit: 'Wh' },
      {
        measurand: 'Energy.Active.Import.Register',
        value: 15000,
        unit: 'Wh',
        context: 'Sample.Periodic',
        location: 'Outlet',
      },
      { measurand: 'Current.Import', value: 16, unit: 'A', phase: 'L1' },
    ]);
  });

  it('a stop reason sent as "" is an absent one: stored and published as Local', async () => {
    const { r, id } = await station('strict');
    const start = await result(r, 'StartTransaction', {
      connectorId: 1,
      idTag: 'T6',
      meterStart: 0,
      timestamp: '2026-03-05T10:00:00Z',
    });
    expect(
      await result(r, 'StopTransaction', {
        transactionId: start['transactionId'],
        meterStop: 10,
        timestamp: '2026-03-05T11:00:00Z',
        reason: '',
      }),
    ).toEqual({});
    const [row] = await h.db.query(`SELECT stop_reason FROM transactions WHERE transaction_id = $1`, [start['transactionId']]);
    expect(row).toEqual({ stop_reason: 'Local' });
    expect(await eventually(() => h.events.of(Subjects.OcppTransactionStopped, id).length === 1)).toBe(true);
    expect(h.events.of(Subjects.OcppTransactionStopped, id)[0]).toMatchObject({
      transactionId: start['transactionId'],
      reason: 'Local',
    });
  });
});
