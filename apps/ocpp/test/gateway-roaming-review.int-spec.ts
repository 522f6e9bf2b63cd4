import { randomUUID } from 'node:crypto';
import { OCPI_TOKEN_AUTHORIZE_SUBJECT, Subjects, type OcpiCommandRequested } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually, testServers } from '@cpo/testing';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { OCPI_COMMAND_DEADLINE_S } from '../src/roaming/command-deadline.js';
import { api, RawClient, send, startOcpp, uniqueStation, upgradeStatus, type OcppHarness } from './harness.js';

describe('OCPI commands and roaming authorisation (review)', () => {
  let h: OcppHarness;
  let nc: NatsConnection;
  /** Tokens the hub stand-in was asked about. */
  const asked: string[] = [];
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp({ OCPP_REMOTE_AUTHORIZE_TIMEOUT_MS: '2000' });
    nc = await connect({ servers: testServers.nats });
    // A hub that cannot authorise the eMSP's app tokens in real time (only the eMSP's command names them).
    nc.subscribe(`${h.app.prefix}.${OCPI_TOKEN_AUTHORIZE_SUBJECT}`, {
      callback: (_e, msg) => {
        asked.push((JSON.parse(new TextDecoder().decode(msg.data)) as { uid: string }).uid);
        msg.respond(JSON.stringify({ allowed: 'NOT_ALLOWED' }));
      },
    });
    await nc.flush();
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await nc.close();
    await h.close();
  });

  async function charger(): Promise<ChargePoint16> {
    const cp = new ChargePoint16({ identity: uniqueStation('RVW'), url: h.wsUrl, reconnect: false });
    cp.handle('RemoteStartTransaction', () => ({ status: 'Accepted' }));
    chargers.push(cp);
    void cp.start();
    await cp.waitOpen();
    await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'R1' });
    return cp;
  }

  async function command(c: Omit<OcpiCommandRequested, 'commandId' | 'requestedAt'>, requestedAt = new Date()): Promise<Record<string, unknown> | undefined> {
    const commandId = randomUUID();
    await h.app.app.get(EventPublisher).publish(Subjects.OcpiCommandRequested, { commandId, requestedAt: requestedAt.toISOString(), ...c });
    await eventually(() => h.events.of(Subjects.OcpiCommandResult).some((e) => e['commandId'] === commandId), 15_000);
    return h.events.of(Subjects.OcpiCommandResult).find((e) => e['commandId'] === commandId);
  }

  it("START_SESSION: the eMSP's token is not authorised again at that station; its session is Accepted and carries the command's reference", async () => {
    const cp = await charger();
    const uid = `APP-${randomUUID().slice(0, 8)}`;
    const result = await command({ type: 'START_SESSION', stationId: cp.identity, connectorId: 1, authorizationReference: 'ref-start-1', parameters: { token: { uid } } });
    expect(result).toMatchObject({ result: 'ACCEPTED' });
    // AuthorizeRemoteTxRequests=true chargers authorise first; either way the StartTransaction follows.
    expect((await send(cp, 'Authorize', { idTag: uid })).idTagInfo.status).toBe('Accepted');
    const started = await send(cp, 'StartTransaction', { connectorId: 1, idTag: uid, meterStart: 0, timestamp: new Date().toISOString() });
    expect(started.idTagInfo.status).toBe('Accepted');
    const [tx] = await h.db.query(`SELECT authorization_reference FROM transactions WHERE transaction_id = $1`, [started.transactionId]);
    expect(tx.authorization_reference).toBe('ref-start-1');
    expect(asked).not.toContain(uid);

    // Only at the station the command named: elsewhere the hub decides as before.
    const other = await charger();
    expect((await send(other, 'Authorize', { idTag: uid })).idTagInfo.status).toBe('Invalid');
    expect(asked).toContain(uid);
  });

  it('a command that arrives shortly before its deadline gets only the time left at the charger, not a whole call timeout past it', async () => {
    const cp = await charger();
    const unlocks: number[] = [];
    // A charger that never answers: without a bound the result would come a full call timeout (30 s) later.
    cp.handle('UnlockConnector', (req) => (unlocks.push(req.connectorId), new Promise<never>(() => undefined)));
    const deadlineMs = OCPI_COMMAND_DEADLINE_S * 1000;
    const started = Date.now();
    const result = await command({ type: 'UNLOCK_CONNECTOR', stationId: cp.identity, connectorId: 1, parameters: {} }, new Date(Date.now() - deadlineMs + 4_000));
    expect(result).toMatchObject({ result: 'TIMEOUT' });
    expect(unlocks).toEqual([1]);
    expect(Date.now() - started).toBeLessThan(h.app.config.OCPP_CALL_TIMEOUT_MS);
  });
});

describe('unknown stations under the pending policy (review)', () => {
  let h: OcppHarness;
  const open: RawClient[] = [];
  beforeAll(async () => {
    h = await startOcpp({ OCPP_UNKNOWN_STATION_POLICY: 'pending' });
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  afterAll(async () => {
    await h.close();
  });

  async function pending(id: string): Promise<RawClient> {
    const c = await RawClient.open(`${h.wsUrl}/${id}`);
    open.push(c);
    expect(await c.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Q1' })).toEqual([3, expect.any(String), expect.objectContaining({ status: 'Pending' })]);
    return c;
  }
  const start = (c: RawClient) => c.call('StartTransaction', { connectorId: 1, idTag: 'ANY', meterStart: 0, timestamp: new Date().toISOString() });

  it('a station the policy registered is no known station: its transaction messages get SecurityError until an operator accepts it', async () => {
    const id = uniqueStation('NEW');
    const c = await pending(id);
    expect(await start(c)).toEqual([4, expect.any(String), 'SecurityError', expect.any(String), {}]);
    expect(await c.call('StopTransaction', { transactionId: 1, meterStop: 10, timestamp: new Date().toISOString() })).toEqual([4, expect.any(String), 'SecurityError', expect.any(String), {}]);
    expect(await h.db.query(`SELECT 1 FROM transactions WHERE station_id = $1`, [id])).toEqual([]);

    // Set by an operator (here: left Pending), it is known: queued transactions are kept, not lost.
    expect((await api(h, 'PUT', `/api/v1/stations/${id}`, { registrationStatus: 'Pending' })).status).toBe(200);
    c.close();
    const again = await pending(id);
    expect(await start(again)).toEqual([3, expect.any(String), expect.objectContaining({ transactionId: expect.any(Number) })]);
  });

  it('set by an operator while connected, it is known at once: its queued transaction messages count without a reconnect', async () => {
    const id = uniqueStation('NEW');
    const c = await pending(id);
    expect(await start(c)).toEqual([4, expect.any(String), 'SecurityError', expect.any(String), {}]);
    // Left Pending by the operator: the session stays Pending (no new boot), but the station is known now.
    expect((await api(h, 'PUT', `/api/v1/stations/${id}`, { registrationStatus: 'Pending' })).status).toBe(200);
    expect(await eventually(async () => ((await start(c)) as unknown[])[0] === 3)).toBe(true);
  });
});

describe('relaxed validation (review)', () => {
  let h: OcppHarness;
  const open: RawClient[] = [];
  beforeAll(async () => {
    h = await startOcpp();
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  afterAll(async () => {
    await h.close();
  });

  /** A booted station on the given validation policy. */
  async function relaxed(policy: string): Promise<RawClient> {
    const id = uniqueStation('LAX');
    expect((await api(h, 'PUT', `/api/v1/stations/${id}`, { validationPolicy: policy })).status).toBe(201);
    const c = await RawClient.open(`${h.wsUrl}/${id}`);
    open.push(c);
    expect(await c.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'L1' })).toEqual([3, expect.any(String), expect.objectContaining({ status: 'Accepted' })]);
    return c;
  }

  it.each(['lenient', 'off'])('%s: an Authorize without a usable idTag gets the CallError for that field, not an idTagInfo decided for no tag', async (policy) => {
    const c = await relaxed(policy);
    const missing = policy === 'off' ? 'FormationViolation' : 'OccurenceConstraintViolation';
    const wrongType = policy === 'off' ? 'FormationViolation' : 'TypeConstraintViolation';
    expect(await c.call('Authorize', {})).toEqual([4, expect.any(String), missing, expect.stringContaining('idTag'), expect.any(Object)]);
    expect(await c.call('Authorize', { idTag: 42 })).toEqual([4, expect.any(String), wrongType, expect.stringContaining('idTag'), expect.any(Object)]);
    // What the relaxed mode is for still passes: a tag longer than the schema's 20 characters.
    expect(await c.call('Authorize', { idTag: 'T'.repeat(24) })).toEqual([3, expect.any(String), { idTagInfo: { status: 'Invalid' } }]);
  });

  it.each(['lenient', 'off'])('%s: a DataTransfer without a string vendorId gets the CallError for that field, not InternalError', async (policy) => {
    const c = await relaxed(policy);
    const missing = policy === 'off' ? 'FormationViolation' : 'OccurenceConstraintViolation';
    expect(await c.call('DataTransfer', { messageId: 'm' })).toEqual([4, expect.any(String), missing, expect.stringContaining('vendorId'), expect.any(Object)]);
    // The relaxed mode still serves a vendor id longer than the schema's 255 characters.
    expect(await c.call('DataTransfer', { vendorId: 'v'.repeat(300) })).toEqual([3, expect.any(String), { status: 'UnknownVendorId' }]);
  });

  it.each(['lenient', 'off'])('%s: a StatusNotification without a string status or errorCode gets the CallError for that field, not InternalError', async (policy) => {
    const c = await relaxed(policy);
    const missing = policy === 'off' ? 'FormationViolation' : 'OccurenceConstraintViolation';
    expect(await c.call('StatusNotification', { connectorId: 1, errorCode: 'NoError' })).toEqual([4, expect.any(String), missing, expect.stringContaining('status'), expect.any(Object)]);
    expect(await c.call('StatusNotification', { connectorId: 1, status: 'Available' })).toEqual([4, expect.any(String), missing, expect.stringContaining('errorCode'), expect.any(Object)]);
    // What the relaxed mode is for still passes: a 1.5 status name.
    expect(await c.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Occupied' })).toEqual([3, expect.any(String), {}]);
  });
});

describe('Basic auth at profile 0 with a key set ahead (review)', () => {
  let h: OcppHarness;
  beforeAll(async () => {
    h = await startOcpp({ OCPP_UNKNOWN_STATION_POLICY: 'reject' });
  });
  afterAll(async () => {
    await h.close();
  });
  const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

  it('offered credentials must be right: another identity as user is refused like a wrong key', async () => {
    const id = uniqueStation('P0');
    const key = '0123456789abcdef0123456789abcdef';
    expect((await api(h, 'PUT', `/api/v1/stations/${id}`, { password: key, securityProfile: 0 })).status).toBe(201);
    const url = `${h.wsUrl}/${id}`;
    expect(await upgradeStatus(url)).toBe(101);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, key))).toBe(101);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, 'wrong-key-000000'))).toBe(401);
    expect(await upgradeStatus(url, 'ocpp1.6', basic('OTHER-STATION', key))).toBe(401);
  });
});

