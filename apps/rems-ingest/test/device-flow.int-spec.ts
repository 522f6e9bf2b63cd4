import { Subjects } from '@cpo/contracts';
import pg from 'pg';
import { startRems, V1, V3, V4, V7, type RemsTestApp } from './fixture.js';

describe('rems-ingest device API: register → sign-in → meter → graph → command → status', () => {
  let t: RemsTestApp;
  let db: pg.Client;
  beforeAll(async () => {
    t = await startRems();
    db = new pg.Client({ connectionString: t.config.DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('registers once (no-store), refuses a second registration and unknown serials', async () => {
    const device = await t.provision();
    const first = await t.call('GET', `/api/v1/device/register/${device.tenantAlias}/${device.serialId}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.body).toEqual({ data: { transceiverId: device.transceiverId, password: expect.any(String), tenantAlias: device.tenantAlias } });
    const { rows } = await db.query(`SELECT status, password_hash FROM transceiver WHERE transceiver_id = $1`, [device.transceiverId]);
    expect(rows[0].status).toBe('ACTIVE');
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$/);
    expect(rows[0].password_hash).not.toContain(first.body.data.password);

    const again = await t.call('GET', `/api/v1/device/register/${device.tenantAlias}/${device.serialId}`);
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ error: { error: true, status: 400, errorType: 'ALREADY_CONNECTED', message: expect.any(String), fieldError: {} } });

    const unknown = await t.call('GET', `/api/v1/device/register/${device.tenantAlias}/nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.errorType).toBe('DEVICE_NOT_FOUND');
  });

  it('signs in with HS512 tokens and the documented lifetimes; wrong passwords get INVALID_CREDENTIALS', async () => {
    const device = await t.provision();
    const { password, tokens } = await t.connect(device);
    expect(tokens).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), accessTokenExpirationTime: 3_600_000, refreshTokenExpirationTime: 604_800_000 });
    const header = JSON.parse(Buffer.from(tokens.accessToken.split('.')[0], 'base64url').toString());
    const claims = JSON.parse(Buffer.from(tokens.accessToken.split('.')[1], 'base64url').toString());
    expect(header.alg).toBe('HS512');
    expect(claims).toMatchObject({ sub: device.transceiverId, tenantAlias: device.tenantAlias, serialId: device.serialId, typ: 'access' });
    expect(claims.exp - claims.iat).toBe(3600);

    const wrong = await t.call('POST', '/api/v1/device/auth/sign-in', { body: { serialId: device.serialId, tenantAlias: device.tenantAlias, password: `${password}x` } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.errorType).toBe('INVALID_CREDENTIALS');
    const otherTenant = await t.call('POST', '/api/v1/device/auth/sign-in', { body: { serialId: device.serialId, tenantAlias: 'elsewhere', password } });
    expect(otherTenant.body.error.errorType).toBe('INVALID_CREDENTIALS');
  });

  it('uploads meter frames: decoded, flagged, raw always stored, events through the outbox', async () => {
    const device = await t.provision({ modules: { 0: 'SOLAR_PV_SINGLE' } });
    const { tokens } = await t.connect(device);
    const token = tokens.accessToken;
    for (const [multi, data] of [[0, V1], [0, V4], [0, V7], [0, `15${V1.slice(2)}`], [4, V1], [0, '1401010039'], [0, V3]] as const) {
      const res = await t.call('POST', '/api/v1/meter', { token, body: { multi, data } });
      expect([data, res.status, res.body]).toEqual([data, 200, { data: true }]);
    }
    const noMulti = await t.call('POST', '/api/v1/meter', { token, body: { data: V1.toUpperCase() } });
    expect(noMulti.body).toEqual({ data: true });

    const raw = await db.query(`SELECT port, kind, flags, data_hex, channel FROM raw_frame WHERE transceiver_id = $1 ORDER BY id`, [device.transceiverId]);
    expect(raw.rows.map((r) => [r.port, r.kind, r.flags])).toEqual([
      [0, 'reading', []],
      [0, 'reading', expect.arrayContaining(['truncated', 'faultWordMissing', 'implausible'])],
      [0, 'reading', ['truncated']],
      [0, 'not_rems', ['notRemsFrame']],
      [4, 'reading', ['multiMismatch', 'portOutOfRange']],
      [0, 'error', ['errorFrame']],
      [0, 'reading', ['typeMismatch']],
      [0, 'reading', []],
    ]);
    expect(raw.rows.every((r) => r.channel === 'http')).toBe(true);
    expect(raw.rows[7].data_hex).toBe(V1);

    const readings = await db.query(`SELECT counter_raw, fault_bits, "values" FROM meter_reading WHERE transceiver_id = $1 ORDER BY raw_frame_id`, [device.transceiverId]);
    expect(readings.rows).toHaveLength(6);
    expect(readings.rows[0]).toMatchObject({ counter_raw: '1000000', fault_bits: 0 });
    expect(readings.rows[1]).toMatchObject({ counter_raw: '4294967040', fault_bits: null });
    expect(readings.rows[2]).toMatchObject({ counter_raw: null, values: { pvVoltageV: 350 } });

    const events = await db.query(`SELECT payload FROM outbox_events WHERE subject = $1 AND payload->>'transceiverId' = $2 ORDER BY batch_seq, batch_ord`, [Subjects.RemsMeasurementDecoded, device.transceiverId]);
    expect(events.rows).toHaveLength(6);
    expect(events.rows[0].payload).toMatchObject({ tenantAlias: device.tenantAlias, port: 0, source: 'http', energySource: 'solar', cumulativeWh: 1_000_000, powerW: 1250 });
  });

  it('refuses bad meter data with INVALID_METER_DATA and bad bodies per field', async () => {
    const device = await t.provision();
    const { tokens } = await t.connect(device);
    for (const data of ['14010', 'zz', '', 42]) {
      const res = await t.call('POST', '/api/v1/meter', { token: tokens.accessToken, body: { multi: 0, data } });
      expect([data, res.status, res.body.error?.errorType]).toEqual([data, 400, 'INVALID_METER_DATA']);
    }
    const badMulti = await t.call('POST', '/api/v1/meter', { token: tokens.accessToken, body: { multi: -1, data: V1 } });
    expect(badMulti.status).toBe(400);
    expect(badMulti.body.error).toMatchObject({ errorType: 'VALIDATION_FAILED', fieldError: { multi: expect.any(String) } });
    const badSignIn = await t.call('POST', '/api/v1/device/auth/sign-in', { body: { serialId: 'x' } });
    expect(badSignIn.body.error).toMatchObject({ status: 400, errorType: 'VALIDATION_FAILED', fieldError: { password: expect.any(String), tenantAlias: expect.any(String) } });
    const notJson = await t.call('POST', '/api/v1/meter', { token: tokens.accessToken, raw: '{"multi": 0, "data": ' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toMatchObject({ error: true, status: 400 });
    const raw = await db.query(`SELECT count(*)::int AS n FROM raw_frame WHERE transceiver_id = $1`, [device.transceiverId]);
    expect(raw.rows[0].n).toBe(0);
  });

  it('answers the graph in kWh from counter deltas on both paths; PER_METER sums to DAY', async () => {
    const device = await t.provision();
    const { tokens } = await t.connect(device);
    const frame = (wh: number) => `${V1.slice(0, 42)}${wh.toString(16).padStart(16, '0')}0000`;
    // Counter 1000 → 3000 → reset to 500 → 1500 Wh.
    for (const wh of [1000, 3000, 500, 1500]) {
      const res = await t.call('POST', '/api/v1/meter', { token: tokens.accessToken, body: { multi: 0, data: frame(wh) } });
      expect(res.body).toEqual({ data: true });
      t.clock.advance(60_000);
    }
    const perMeter = await t.call('POST', '/api/v1/meter/graph', { token: tokens.accessToken, body: {} });
    expect(perMeter.status).toBe(200);
    expect(perMeter.body.data.values.map((v: { value: number }) => v.value)).toEqual([2, 0, 1]);
    expect(perMeter.body.data.values[0]).toEqual({ port: 0, term: expect.stringMatching(/^\d{2}-\d{2}-\d{2} \d{2}:\d{2}$/), value: 2, at: expect.any(String) });

    const day = await t.call('POST', '/api/v1/energy/transceiver-meter/graph', { token: tokens.accessToken, body: { period: 'DAY' } });
    const total = day.body.data.values.reduce((s: number, v: { value: number }) => s + v.value, 0);
    expect(total).toBe(3);
    expect(day.body.data.values[0].term).toMatch(/^\d{2}-\d{2}-\d{2}$/);

    const bad = await t.call('POST', '/api/v1/meter/graph', { token: tokens.accessToken, body: { period: 'WEEK' } });
    expect(bad.body.error).toMatchObject({ errorType: 'VALIDATION_FAILED', fieldError: { period: expect.any(String) } });
  });

  it('creates a command, lists it pending as data.data, and walks the status machine', async () => {
    const device = await t.provision();
    const { tokens } = await t.connect(device);
    const token = tokens.accessToken;
    const created = await t.call('POST', '/api/v1/device/firmware/direct-process', { token, body: {} });
    expect(created.status).toBe(200);
    expect(created.body.data).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      transceiverId: device.transceiverId,
      serialId: device.serialId,
      tenantAlias: device.tenantAlias,
      type: 'VERIFY',
      deviceModelType: 'TRANSCEIVER',
      status: 'REQUESTED',
      processed: false,
    });
    const second = await t.call('POST', '/api/v1/device/firmware/direct-process', { token, body: { type: 'RESTART', deviceModelType: 'MODULE' } });
    expect(second.body.data).toMatchObject({ type: 'RESTART', deviceModelType: 'MODULE', port: 0 });
    const id = created.body.data.id;

    const step = (status: string) => t.call('POST', '/api/v1/device/firmware/process', { token, body: { id, status } });
    expect((await step('PROCESSING')).body).toEqual({ data: true });
    expect((await step('PROCESSING')).body).toEqual({ data: true });
    const pending = await t.call('GET', '/api/v1/device/process', { token });
    expect(pending.body.data.data.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([
      [id, 'PROCESSING'],
      [second.body.data.id, 'REQUESTED'],
    ]);
    expect((await step('COMPLETED')).body).toEqual({ data: true });
    const back = await step('PROCESSING');
    expect(back.status).toBe(409);
    expect(back.body.error.errorType).toBe('INVALID_STATUS_TRANSITION');
    const after = await t.call('GET', '/api/v1/device/process', { token });
    expect(after.body.data.data.map((c: { id: string }) => c.id)).toEqual([second.body.data.id]);
    const unknown = await t.call('POST', '/api/v1/device/firmware/process', { token, body: { id: '000000000000000000000000', status: 'ERROR' } });
    expect(unknown.body.error.errorType).toBe('COMMAND_NOT_FOUND');
  });

  it('HOUR buckets across a month end: DD-HH terms plus the ISO bucket start, in array order', async () => {
    t.clock.set(new Date('2026-01-31T23:20:00Z'));
    const device = await t.provision();
    const { tokens } = await t.connect(device);
    const frame = (wh: number) => `${V1.slice(0, 42)}${wh.toString(16).padStart(16, '0')}0000`;
    for (const [wh, minutes] of [[1000, 30], [1600, 20], [2000, 0]] as const) {
      expect((await t.call('POST', '/api/v1/meter', { token: tokens.accessToken, body: { data: frame(wh) } })).body).toEqual({ data: true });
      t.clock.advance(minutes * 60_000);
    }
    const hour = await t.call('POST', '/api/v1/meter/graph', { token: tokens.accessToken, body: { period: 'HOUR', startDate: '2026-01-31 23:00', endDate: '2026-02-01T01:00:00Z' } });
    expect(hour.body).toEqual({
      data: {
        values: [
          { port: 0, term: '31-23', value: 0.6, at: '2026-01-31T23:00:00.000Z' },
          { port: 0, term: '01-00', value: 0.4, at: '2026-02-01T00:00:00.000Z' },
        ],
      },
    });
    const month = await t.call('POST', '/api/v1/meter/graph', { token: tokens.accessToken, body: { period: 'MONTH' } });
    expect(month.body.data.values).toEqual([
      { port: 0, term: '2026-01', value: 0.6, at: '2026-01-01T00:00:00.000Z' },
      { port: 0, term: '2026-02', value: 0.4, at: '2026-02-01T00:00:00.000Z' },
    ]);
  });
});
