import { SessionRegistry } from '../src/connection/session-registry.js';
import { RESEND_WINDOW_MS } from '../src/transactions/resent-readings.js';
import { api, replicaPair, uniqueStation, type RawClient } from './harness.js';

const BOOT = { chargePointVendor: 'Acme', chargePointModel: 'S1' };

/** The next CALL of `action` the central system sends this client (answering the others it sends). */
async function nextCall(client: RawClient, action: string): Promise<unknown[]> {
  for (;;) {
    const frame = (await client.next()) as unknown[];
    if (frame[0] === 2 && frame[2] === action) return frame;
    if (frame[0] === 2) client.send([3, frame[1], frame[2] === 'GetConfiguration' ? { configurationKey: [] } : { status: 'Rejected' }]);
  }
}

/**
 * A charger whose MeterValues answer was lost resends it first on its next connection, but only once
 * accepted: a station answered Pending sends no transaction messages (OCPP 1.6 §4.2.1), and may stay
 * Pending longer than the resend window. The window counts from the accepted boot: before, a
 * station accepted more than RESEND_WINDOW_MS after its socket opened had the resend stored twice.
 */
describe('a MeterValues resent once a station Pending for a long time is accepted', () => {
  // On the other replica, whose message-id memory never saw it (resend-other-replica.int-spec.ts).
  const pair = replicaPair({ OCPP_UNKNOWN_STATION_POLICY: 'reject' });
  const readings = async (station: string) =>
    Number((await pair.a().db.query<{ n: string }[]>('SELECT count(*) AS n FROM meter_readings WHERE station_id = $1', [station]))[0]!.n);

  it('is stored once', async () => {
    const id = uniqueStation('RP');
    expect((await api(pair.a(), 'PUT', `/api/v1/stations/${id}`, {})).status).toBeLessThan(300);
    const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
    // Sampled before the second connection opened, which is set RESEND_WINDOW_MS + 5 min back below.
    const sampledAgo = RESEND_WINDOW_MS + 6 * 60_000;
    const first = await pair.open(pair.a(), id);
    expect(await first.call('BootNotification', BOOT, 'b-1')).toEqual([3, 'b-1', expect.objectContaining({ status: 'Accepted' })]);
    const start = (await first.call('StartTransaction', { connectorId: 1, idTag: 'TAG-1', meterStart: 1000, timestamp: ago(sampledAgo + 60_000) }, 's-1')) as [number, string, { transactionId: number }];
    const frame = [2, 'mv-1', 'MeterValues', { connectorId: 1, transactionId: start[2].transactionId, meterValue: [{ timestamp: ago(sampledAgo), sampledValue: [{ value: '1500' }] }] }];
    first.send(frame);
    expect(await first.answer()).toEqual([3, 'mv-1', {}]); // committed; the charger never saw this answer
    first.close();
    await first.closed;

    // Back, but Pending until the operator accepts it.
    expect((await api(pair.a(), 'PUT', `/api/v1/stations/${id}`, { registrationStatus: 'Pending' })).status).toBeLessThan(300);
    const second = await pair.open(pair.b(), id);
    expect(await second.call('BootNotification', BOOT, 'b-2')).toEqual([3, 'b-2', expect.objectContaining({ status: 'Pending' })]);
    // Its socket opened longer ago than the resend window (the wait for an operator, shortened here).
    const session = pair.b().app.app.get(SessionRegistry).holding(id)!;
    Object.defineProperty(session, 'connectedAt', { value: new Date(Date.now() - RESEND_WINDOW_MS - 5 * 60_000) });
    expect((await api(pair.a(), 'PUT', `/api/v1/stations/${id}`, { registrationStatus: 'Accepted' })).status).toBeLessThan(300);
    const trigger = await nextCall(second, 'TriggerMessage');
    second.send([3, trigger[1], { status: 'Accepted' }]);
    expect(await second.call('BootNotification', BOOT, 'b-3')).toEqual([3, 'b-3', expect.objectContaining({ status: 'Accepted' })]);

    second.send(frame);
    expect(await second.answer()).toEqual([3, 'mv-1', {}]);
    expect(await readings(id)).toBe(1);
  });
});
