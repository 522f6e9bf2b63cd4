import { api, RawClient, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const BOOT = { chargePointVendor: 'Acme', chargePointModel: 'S1' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
});
