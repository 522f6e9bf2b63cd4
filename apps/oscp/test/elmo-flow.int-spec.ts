import { Subjects } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { taipeiDayHours } from '@cpo/oscp-protocol';
import pg from 'pg';
import { startHarness, waitFor, type Harness, type Json } from './harness.js';

// 2024-10-01 09:59 Asia/Taipei: connected before the 10:00 assignment for 2024-10-02.
const START = '2024-10-01T01:59:00.000Z';

describe('OSCP flow against the ELMO testbed over real HTTP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ start: START });
    await h.setNow(START);
  });
  afterAll(() => h?.close(), 30_000);

  let partnerId: string;
  let fpToken: string;
  let callback: string;

  it('registers, exchanges tokens, handshakes and ends CONNECTED with the ack pointing at the handshake', async () => {
    ({ partnerId, fpToken } = await h.connect('STATION-UID-1', 200, ['CP-1', 'CP-2']));
    callback = `${h.oscp.baseUrl}/oscp/fp/2.0`;
    const log = (await h.sim('GET', '/_sim/log')).body as Json[];
    const ourRegister = log.find((e) => e.direction === 'in' && e.path === '/oscp/2.0/register');
    expect(ourRegister.status).toBe(204);
    expect(ourRegister.body.version_url).toEqual([{ version: '2.0', base_url: callback }]);
    const handshake = log.find((e) => e.direction === 'out' && e.path.endsWith('/handshake'));
    const received = (await h.sim('GET', '/_sim/received')).body;
    expect(received.acks).toHaveLength(1);
    expect(received.acks[0].correlationId).toBe(handshake.headers['x-request-id']);
    expect(received.acks[0].body).toEqual({ required_behaviour: { measurement_configuration: [] } });
    // The ack left after the handshake's 204, as a separate request.
    expect(log.indexOf(handshake)).toBeLessThan(log.findIndex((e) => e.direction === 'in' && e.path === '/oscp/2.0/handshake_acknowledge'));
    const partner = (await h.op('GET', `/partners/${partnerId}`)).body;
    expect(partner).toMatchObject({ state: 'CONNECTED', hasInitialToken: false, hasOutboundToken: true, peerBaseUrl: `${h.testbed.baseUrl}/oscp/2.0` });
    expect(JSON.stringify(partner)).not.toContain(fpToken);
    // At rest: the provider's token (the fixed testbed token) encrypted, ours only as a hash.
    const db = new pg.Client({ connectionString: h.oscp.config.DATABASE_URL });
    await db.connect();
    const { rows } = await db.query(`SELECT row_to_json(p)::text AS row FROM oscp_partner p`);
    await db.end();
    expect(rows[0].row).not.toContain('ELMO-TESTBED-TOKEN');
    expect(rows[0].row).not.toContain(fpToken);
  });

  it('receives the 10:00 assignment for tomorrow, stores it classified and publishes it in W', async () => {
    await h.setNow('2024-10-01T02:00:00.000Z');
    const r = await h.sim('POST', '/trigger-callback/2.0/update_group_capacity_forecast', {
      callback_url: `${callback}/update_group_capacity_forecast`,
      header: { authorization: fpToken },
      purpose: 'negotiation_assign_capacity',
      group_id: 'STATION-UID-1',
      capacity: 100,
    });
    expect(r.body.callback_status).toBe(204);
    await waitFor(() => h.forecasts.length === 1, 'capacity.forecast.received');
    const event = h.forecasts[0];
    expect(event).toMatchObject({ partnerId, groupId: 'STATION-UID-1', requestId: r.body.request_id, kind: 'day_ahead_assignment', forecastType: 'CONSUMPTION' });
    expect(event.blocks).toHaveLength(24);
    expect(event.blocks[0]).toEqual({ startTime: '2024-10-02T00:00:00.000+08:00', endTime: '2024-10-02T01:00:00.000+08:00', powerW: 100_000, phase: 'ALL' });
    const stored = (await h.op('GET', `/forecasts?groupId=STATION-UID-1&day=2024-10-02`)).body;
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ kind: 'day_ahead_assignment', day: '2024-10-02', late: false, requestId: r.body.request_id });
  });

  const trigger = (purpose: string, extra: Record<string, unknown> = {}) =>
    h.sim('POST', '/trigger-callback/2.0/update_group_capacity_forecast', {
      callback_url: `${callback}/update_group_capacity_forecast`,
      header: { authorization: fpToken },
      purpose,
      group_id: 'STATION-UID-1',
      ...extra,
    });
  const publish = () => h.oscp.app.get(EventPublisher);

  it('turns capacity.adjust.requested into one adjust of 24 integer-kW hours for tomorrow', async () => {
    await h.setNow('2024-10-01T02:30:00.000Z'); // 10:30 Taipei
    await publish().publish(Subjects.CapacityAdjustRequested, {
      groupId: 'STATION-UID-1',
      date: '2024-10-02',
      requestedBy: 'planner',
      reason: 'evening demand',
      blocks: taipeiDayHours('2024-10-02').map((hr) => ({ startTime: new Date(hr.startMs).toISOString(), endTime: new Date(hr.endMs).toISOString(), powerW: 149_600 })),
    });
    await waitFor(async () => (await h.sim('GET', '/_sim/received')).body.adjusts.length === 1, 'adjust at the testbed');
    const adjust = (await h.sim('GET', '/_sim/received')).body.adjusts[0];
    expect(adjust.hourlyKw).toEqual(new Array(24).fill(150));
    expect(adjust.body.forecasted_blocks[0]).toEqual({ capacity: 150, phase: 'ALL', unit: 'KW', start_time: '2024-10-02T00:00:00.000+08:00', end_time: '2024-10-02T01:00:00.000+08:00' });
    await waitFor(async () => (await h.op('GET', '/outbound?action=adjust_group_capacity_forecast')).body[0]?.status === 'sent', 'adjust audited as sent');
    const audit = (await h.op('GET', '/outbound?action=adjust_group_capacity_forecast')).body[0];
    expect(audit).toMatchObject({ requestId: adjust.requestId, attempts: 1, responseStatus: 204 });
  });

  it('refuses a second adjust for the same day (ELMO accepts one)', async () => {
    const again = await h.op('POST', `/partners/${partnerId}/groups/STATION-UID-1/adjust`, { kw: 180 });
    expect(again.status).toBe(400);
    expect(again.body.message).toMatch(/already requested/);
    expect((await h.sim('GET', '/_sim/received')).body.adjusts).toHaveLength(1);
  });

  it('classifies the 16:00 reply to our request and publishes it', async () => {
    await h.setNow('2024-10-01T08:00:00.000Z');
    const r = await trigger('negotiation_reply_request_additional_capacity');
    expect(r.body.callback_status).toBe(204);
    await waitFor(() => h.forecasts.length === 2, 'reply on the bus');
    expect(h.forecasts[1]).toMatchObject({ kind: 'day_ahead_reply', requestId: r.body.request_id });
    expect(h.forecasts[1].blocks.every((b) => b.powerW === 150_000)).toBe(true);
  });

  it('classifies emergencies, also with Z offsets', async () => {
    await h.setNow('2024-10-01T08:05:00.000Z');
    const local = await trigger('emergency_assign_capacity', { capacity: 50 });
    const utc = await trigger('emergency_assign_capacity', { capacity: 40, utc: true });
    expect([local.body.callback_status, utc.body.callback_status]).toEqual([204, 204]);
    await waitFor(() => h.forecasts.length === 4, 'emergencies on the bus');
    expect(h.forecasts[2]).toMatchObject({ kind: 'emergency', blocks: [{ startTime: '2024-10-01T16:30:00.000+08:00', endTime: '2024-10-02T00:00:00.000+08:00', powerW: 50_000 }] });
    expect(h.forecasts[3]).toMatchObject({ kind: 'emergency', blocks: [{ startTime: '2024-10-01T08:30:00.000Z', powerW: 40_000 }] });
  });

  it('sends a compliance error correlated with the latest forecast', async () => {
    await publish().publish(Subjects.CapacityComplianceFailed, {
      groupId: 'STATION-UID-1',
      message: 'non-curtailable load',
      detectedAt: '2024-10-01T08:06:00.000Z',
      affected: [{ startTime: '2024-10-01T08:30:00.000Z', endTime: '2024-10-01T09:30:00.000Z', forecastPowerW: 40_000, expectedPowerW: 46_000 }],
    });
    await waitFor(async () => (await h.sim('GET', '/_sim/received')).body.complianceErrors.length === 1, 'compliance error');
    const err = (await h.sim('GET', '/_sim/received')).body.complianceErrors[0];
    expect(err.correlationId).toBe(h.forecasts[3].requestId);
    expect(err.body.forecasted_blocks[0]).toMatchObject({ capacity: 46, unit: 'KW' });
  });

  const received = async (): Promise<Json[]> => (await h.sim('GET', '/_sim/received')).body.measurements['STATION-UID-1'] ?? [];

  it('sends the group register every minute from meter events: cumulative kWh, monotonic, never empty', async () => {
    const sample = (stationId: string, wh: number) =>
      publish().publish(Subjects.OcppMeterSampled, { stationId, connectorId: 1, timestamp: '2024-10-01T08:06:00.000Z', samples: [{ measurand: 'Energy.Active.Import.Register', value: wh, unit: 'Wh' }] });
    await sample('CP-1', 10_000);
    await sample('CP-2', 5_000);
    await sample('CP-1', 12_500);
    await sample('CP-2', 5_500);
    await sample('OTHER', 99_000);
    await sample('OTHER', 199_000);
    const target = Date.parse('2024-10-01T08:10:00.000Z');
    await waitFor(async () => (await h.op('GET', `/partners/${partnerId}/groups`)).body[0].registerKwh === 3, 'register from events');
    await h.setNow(new Date(target).toISOString());
    await waitFor(async () => (await received()).some((m) => Date.parse(m.measure_time) === target), 'measurement of 16:10');
    const items = await received();
    const last = items.find((m) => Date.parse(m.measure_time) === target);
    expect(last).toMatchObject({ value: 3, unit: 'KWH', direction: 'IMPORT', phase: 'ALL', measure_time: '2024-10-01T16:10:00.000+08:00' });
    const values = items.map((m) => m.value);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    const audit = (await h.op('GET', '/outbound?action=update_group_measurements&limit=1000')).body as Json[];
    expect(audit.every((m) => m.body.measurements.length >= 1)).toBe(true);
  });

  it('loses no minute while the provider fails: the next message catches up', async () => {
    await h.sim('POST', '/_sim/faults', { status: 503, count: 3 });
    const t1 = Date.parse('2024-10-01T08:11:00.000Z');
    await h.setNow(new Date(t1).toISOString());
    await waitFor(async () => (await h.op('GET', '/outbound?action=update_group_measurements&limit=1')).body[0]?.status === 'failed', 'failed minute');
    const t2 = t1 + 60_000;
    await h.setNow(new Date(t2).toISOString());
    await waitFor(async () => (await received()).some((m) => Date.parse(m.measure_time) === t2), 'catch-up message');
    const minutes = (await received()).map((m) => Date.parse(m.measure_time));
    expect(minutes).toEqual(expect.arrayContaining([t1, t2]));
    // ELMO has it before our side records the answer: wait for that record.
    const latest = async () => (await h.op('GET', '/outbound?action=update_group_measurements&limit=1')).body[0];
    await waitFor(async () => (await latest())?.status !== 'sending', 'catch-up recorded');
    const catchUp = await latest();
    expect(catchUp).toMatchObject({ status: 'sent', attempts: 2 });
    expect(catchUp.body.measurements.map((m: Json) => Date.parse(m.measure_time))).toEqual([t1, t2]);
  });

  it('shows the testbed the group drawing 15 kW on average in the 16:00 quarter', async () => {
    const quarters = (await h.sim('GET', '/_sim/compliance/STATION-UID-1')).body as Json[];
    // The average is the register's rise between the first and the last point the testbed got in
    // the quarter (e.g. 0 kWh at 16:00 and 3 kWh at 16:12 → 15 kW). Which minutes were sent one by
    // one and which were summarised depends on when the minute job ran against the moving clock.
    const start = Date.parse('2024-10-01T08:00:00.000Z');
    const inQuarter = (await received()).filter((m) => Date.parse(m.measure_time) >= start && Date.parse(m.measure_time) < start + 15 * 60_000);
    const [first, last] = [inQuarter[0], inQuarter.at(-1)];
    const hours = (Date.parse(last.measure_time) - Date.parse(first.measure_time)) / 3_600_000;
    const expected = Math.round(((last.value - first.value) / hours) * 1000) / 1000;
    expect(last.value - first.value).toBe(3);
    expect(quarters.find((q) => q.start === '2024-10-01T08:00:00.000Z')).toEqual({ start: '2024-10-01T08:00:00.000Z', avgKw: expected, limitKw: null, compliant: true });
  });

  it('raises one alert when no assignment for tomorrow arrived by 10:05 Taipei', async () => {
    await h.setNow('2024-10-02T02:04:00.000Z'); // 10:04 on 10-02: tomorrow is 10-03, not yet overdue
    await waitFor(async () => (await received()).some((m) => Date.parse(m.measure_time) === Date.parse('2024-10-02T02:04:00.000Z')), 'minute 10:04 processed');
    expect((await h.op('GET', '/alerts')).body).toEqual([]);
    await h.setNow('2024-10-02T02:05:00.000Z');
    await waitFor(async () => (await h.op('GET', '/alerts')).body.length === 1, 'alert');
    expect((await h.op('GET', '/alerts')).body[0]).toMatchObject({ kind: 'assignment_missing', day: '2024-10-03', groupId: 'STATION-UID-1' });
    await waitFor(() => h.missed.length === 1, 'capacity.forecast.missed on the bus');
    expect(h.missed[0]).toEqual({ partnerId, groupId: 'STATION-UID-1', kind: 'assignment_missing', date: '2024-10-03', detectedAt: '2024-10-02T02:05:00.000Z' });
    const metrics = await (await fetch(`${h.oscp.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/oscp_missed_messages_total\{[^}]*kind="assignment_missing"[^}]*\} 1/);
    expect(metrics).toMatch(/oscp_partner_connection_state\{[^}]*state="CONNECTED"[^}]*\} 1/);
  });

  it('rotates our token with PUT register; the old one works until the provider uses the new one', async () => {
    expect((await h.op('POST', `/partners/${partnerId}/rotate-token`)).status).toBe(202);
    const isPut = (e: Json) => e.method === 'PUT' && e.path === '/oscp/2.0/register';
    await waitFor(async () => ((await h.sim('GET', '/_sim/log?direction=in')).body as Json[]).some(isPut), 'PUT register');
    const put = ((await h.sim('GET', '/_sim/log?direction=in')).body as Json[]).find(isPut);
    expect(put.status).toBe(204);
    const fresh: string = put.body.token;
    const old = fpToken;
    const emergency = (token: string) => {
      fpToken = token;
      return trigger('emergency_assign_capacity', { capacity: 30 });
    };
    expect((await emergency(old)).body.callback_status).toBe(204);
    expect((await emergency(fresh)).body.callback_status).toBe(204);
    expect((await emergency(old)).body.callback_status).toBe(403);
    fpToken = fresh;
    expect((await h.op('GET', `/partners/${partnerId}`)).body.state).toBe('CONNECTED');
  });

  it('gave every outbound message its own X-Request-ID and audited each one', async () => {
    const inbound = ((await h.sim('GET', '/_sim/log?direction=in')).body as Json[]).filter((e) => e.status === 204);
    const ids = inbound.map((e) => e.headers['x-request-id']);
    expect(new Set(ids).size).toBe(ids.length);
    const audit = async () => (await h.op('GET', '/outbound?limit=1000')).body as Json[];
    const sent = async () => new Set((await audit()).filter((m) => m.status === 'sent').map((m) => m.requestId));
    // ELMO logs a message before our side records its answer: the last one may still be on its way.
    await waitFor(async () => {
      const audited = await sent();
      return ids.every((id) => audited.has(id));
    }, 'every delivered message audited as sent');
    for (const m of await audit()) expect(m.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
