import { api, RawClient, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const BOOT = { chargePointVendor: 'Acme', chargePointModel: 'S1' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BOM = '\uFEFF';

/**
 * A cheap charger whose message-id counter restarts at 1 after a reboot: its second connection
 * reuses the ids of the first for other messages (guide §1.4, docs/ocpp.md "Message ids").
 */
describe('a charger whose message ids restart at 1 after a reboot', () => {
  let h: OcppHarness;
  const clients: RawClient[] = [];
  beforeAll(async () => {
    h = await startOcpp({ OCPP_UNKNOWN_STATION_POLICY: 'reject' });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await h?.close();
  });

  async function open(id: string): Promise<RawClient> {
    const c = await RawClient.open(`${h.wsUrl}/${id}`);
    clients.push(c);
    return c;
  }

  async function registered(): Promise<string> {
    const id = uniqueStation();
    expect((await api(h, 'PUT', `/api/v1/stations/${id}`, {})).status).toBeLessThan(300);
    return id;
  }

  const bootedAt = async (id: string): Promise<Date> => {
    const rows = await h.db.query<{ booted_at: Date }[]>('SELECT booted_at FROM stations WHERE id = $1', [id]);
    return rows[0]!.booted_at;
  };

  it('processes the second boot and every message of the new connection, none answered from the old one', async () => {
    const id = await registered();
    const first = await open(id);
    const boot1 = (await first.call('BootNotification', BOOT, '1')) as [number, string, { currentTime: string }];
    expect(boot1).toEqual([3, '1', expect.objectContaining({ status: 'Accepted' })]);
    expect(await first.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' }, '2')).toEqual([3, '2', {}]);
    const start1 = (await first.call('StartTransaction', { connectorId: 1, idTag: 'TAG-1', meterStart: 0, timestamp: new Date().toISOString() }, '3')) as [number, string, { transactionId: number }];
    expect(start1[0]).toBe(3);
    const beat1 = (await first.call('Heartbeat', {}, '4')) as [number, string, { currentTime: string }];
    const firstBoot = await bootedAt(id);
    first.close();
    await sleep(1100); // currentTime has whole-second precision at least

    const second = await open(id);
    const boot2 = (await second.call('BootNotification', BOOT, '1')) as [number, string, { currentTime: string }];
    expect(boot2).toEqual([3, '1', expect.objectContaining({ status: 'Accepted' })]);
    expect(Date.parse(boot2[2].currentTime)).toBeGreaterThan(Date.parse(boot1[2].currentTime));
    expect((await bootedAt(id)).getTime()).toBeGreaterThan(firstBoot.getTime());
    expect(await second.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Preparing' }, '2')).toEqual([3, '2', {}]);
    const start2 = (await second.call('StartTransaction', { connectorId: 1, idTag: 'TAG-2', meterStart: 100, timestamp: new Date().toISOString() }, '3')) as [number, string, { transactionId: number }];
    expect(start2).toEqual([3, '3', expect.objectContaining({ transactionId: expect.any(Number) })]);
    expect(start2[2].transactionId).not.toBe(start1[2].transactionId);
    const beat2 = (await second.call('Heartbeat', {}, '4')) as [number, string, { currentTime: string }];
    expect(Date.parse(beat2[2].currentTime)).toBeGreaterThan(Date.parse(beat1[2].currentTime));
  });

  it('a transaction message reusing an answered id of the previous connection for another payload is processed, not refused', async () => {
    const id = await registered();
    const first = await open(id);
    expect(await first.call('BootNotification', BOOT, 'b-1')).toEqual([3, 'b-1', expect.objectContaining({ status: 'Accepted' })]);
    const start1 = (await first.call('StartTransaction', { connectorId: 1, idTag: 'TAG-1', meterStart: 0, timestamp: new Date().toISOString() }, '7')) as [number, string, { transactionId: number }];
    first.close();
    // Reconnects without a boot (OCPP-J §5.4), its counter restarted all the same.
    const second = await open(id);
    const start2Sent = new Date().toISOString();
    const start2 = (await second.call('StartTransaction', { connectorId: 2, idTag: 'TAG-2', meterStart: 5, timestamp: start2Sent }, '7')) as [number, string, { transactionId: number }];
    expect(start2).toEqual([3, '7', expect.objectContaining({ transactionId: expect.any(Number) })]);
    expect(start2[2].transactionId).not.toBe(start1[2].transactionId);
    // Within the connection the guide's rule stands: a retransmission gets the stored answer (no
    // second transaction), another payload under the id just answered is a ProtocolError.
    second.send(JSON.stringify([2, '7', 'StartTransaction', { connectorId: 2, idTag: 'TAG-2', meterStart: 5, timestamp: start2Sent }]));
    expect(await second.answer()).toEqual(start2);
    expect(await second.call('StartTransaction', { connectorId: 2, idTag: 'TAG-3', meterStart: 5, timestamp: start2Sent }, '7')).toEqual([4, '7', 'ProtocolError', expect.any(String), {}]);
  });

  // Found by a review of the rules above: retransmissions across a reboot, a BOM, coerced numbers.
  const bomCall = async (c: RawClient, id: string, action: string, payload: unknown) => {
    c.send(`${BOM}${JSON.stringify([2, id, action, payload])}`);
    return c.answer();
  };

  // parseFrame strips the BOM (429eae9), the session keeps the raw text for InboundIds, whose
  // sameMessage JSON.parsed it when an answered id came back with another digest: SyntaxError,
  // InternalError answered, the StartTransaction resent until the charger discarded it.
  it('a BOM-writing charger whose counter restarted on a new connection gets its StartTransaction processed', async () => {
    const id = await registered();
    const first = await open(id);
    expect(await bomCall(first, 'b-1', 'BootNotification', BOOT)).toEqual([3, 'b-1', expect.objectContaining({ status: 'Accepted' })]);
    const start1 = (await bomCall(first, '7', 'StartTransaction', { connectorId: 1, idTag: 'TAG-1', meterStart: 0, timestamp: new Date().toISOString() })) as [number, string, { transactionId: number }];
    expect(start1[0]).toBe(3);
    first.close();
    const second = await open(id);
    const start2 = await bomCall(second, '7', 'StartTransaction', { connectorId: 2, idTag: 'TAG-2', meterStart: 5, timestamp: new Date().toISOString() });
    expect(start2).toEqual([3, '7', expect.objectContaining({ transactionId: expect.any(Number) })]);
  });

  // Guide §1.4: the same id and payload, answered, gets the stored answer and the handler is not
  // re-run. A charger whose answer was lost with its power resends its queued MeterValues, same id,
  // byte for byte, after its boot: the boot forgot every answered id, and meter_readings has no
  // unique key, so the reading is stored (and published) twice.
  it('a MeterValues resent byte for byte after the reboot is not stored twice', async () => {
    const id = await registered();
    const first = await open(id);
    expect(await first.call('BootNotification', BOOT, 'b-1')).toEqual([3, 'b-1', expect.objectContaining({ status: 'Accepted' })]);
    const start = (await first.call('StartTransaction', { connectorId: 1, idTag: 'TAG-1', meterStart: 0, timestamp: new Date().toISOString() }, 's-1')) as [number, string, { transactionId: number }];
    const transactionId = start[2].transactionId;
    const meterValues = [2, 'mv-1', 'MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: '1500' }] }] }];
    first.send(meterValues);
    expect(await first.answer()).toEqual([3, 'mv-1', {}]);
    first.close(); // the answer was lost with the power: the charger reboots and resends its queue
    const second = await open(id);
    expect(await second.call('BootNotification', BOOT, 'b-2')).toEqual([3, 'b-2', expect.objectContaining({ status: 'Accepted' })]);
    second.send(meterValues);
    expect(await second.answer()).toEqual([3, 'mv-1', {}]);
    const rows = await h.db.query<{ n: string }[]>('SELECT count(*) AS n FROM meter_readings WHERE transaction_id = $1', [transactionId]);
    expect(Number(rows[0]!.n)).toBe(1);
  });
  // 429eae9 models a counter that restarts on a new connection without a boot (a new message under
  // an old id), but only for another payload: the same payload under an old id is still answered
  // from the store. A charger sends one CALL at a time and retransmits only its unanswered one, so
  // an id answered before later ones were is never retransmitted: here it is a new status, lost
  // (the connector shows Charging while the charger is Available again).
  it('an identical StatusNotification under an id restarted on a new connection is processed', async () => {
    const id = await registered();
    const first = await open(id);
    expect(await first.call('BootNotification', BOOT, '1')).toEqual([3, '1', expect.objectContaining({ status: 'Accepted' })]);
    const available = { connectorId: 1, errorCode: 'NoError', status: 'Available' };
    expect(await first.call('StatusNotification', available, '2')).toEqual([3, '2', {}]);
    expect(await first.call('StatusNotification', { ...available, status: 'Charging' }, '3')).toEqual([3, '3', {}]);
    first.close();
    const second = await open(id); // reconnects without a boot, its counter back at 2
    expect(await second.call('StatusNotification', available, '2')).toEqual([3, '2', {}]);
    const rows = await h.db.query<{ status: string }[]>('SELECT status FROM connectors WHERE station_id = $1 AND connector_id = 1', [id]);
    expect(rows[0]?.status).toBe('Available');
  });
  // Guide §2.1 idempotency, on the values as read (d7aa9c1): a start sent with "connectorId":"1",
  // "meterStart":"1000", then retried under a new id as JSON integers, is one session.
  it('a StartTransaction retried with its numbers as JSON integers after their strings gets the same transactionId', async () => {
    const id = await registered();
    const c = await open(id);
    expect(await c.call('BootNotification', BOOT, 'b-1')).toEqual([3, 'b-1', expect.objectContaining({ status: 'Accepted' })]);
    const timestamp = new Date().toISOString();
    const first = (await c.call('StartTransaction', { connectorId: '1', idTag: 'TAG-1', meterStart: '1000', timestamp }, 's-1')) as [number, string, { transactionId: number }];
    const retry = (await c.call('StartTransaction', { connectorId: 1, idTag: 'TAG-1', meterStart: 1000, timestamp }, 's-2')) as [number, string, { transactionId: number }];
    expect(first[0]).toBe(3);
    expect(retry[2].transactionId).toBe(first[2].transactionId);
  });
});
