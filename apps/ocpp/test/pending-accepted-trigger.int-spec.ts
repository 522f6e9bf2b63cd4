import { api, RawClient, replicaPair, uniqueStation } from './harness.js';

const BOOT = { chargePointVendor: 'Acme', chargePointModel: 'S1' };
const STATUS = { connectorId: 1, errorCode: 'NoError', status: 'Available' };

/** The next CALL of `action` the central system sends this client. */
async function nextCall(client: RawClient, action: string): Promise<unknown[]> {
  for (;;) {
    const frame = (await client.next()) as unknown[];
    if (frame[0] === 2 && frame[2] === action) return frame;
  }
}

/**
 * A Pending station the operator accepts while it is connected would get SecurityError until it
 * happened to boot again: it is asked to boot (TriggerMessage BootNotification), on whichever
 * replica holds its socket.
 */
describe('accepting a connected Pending station', () => {
  const pair = replicaPair({ OCPP_UNKNOWN_STATION_POLICY: 'reject' });

  it('sends it a TriggerMessage BootNotification; its boot is then accepted and its messages too', async () => {
    const id = uniqueStation();
    expect((await api(pair.a(), 'PUT', `/api/v1/stations/${id}`, { registrationStatus: 'Pending' })).status).toBeLessThan(300);
    const client = await pair.open(pair.b(), id);
    expect(await client.call('BootNotification', BOOT, 'boot-1')).toEqual([3, 'boot-1', expect.objectContaining({ status: 'Pending' })]);
    expect(await client.call('StatusNotification', STATUS, 's-1')).toEqual([4, 's-1', 'SecurityError', expect.any(String), {}]);

    // Through replica A; the socket is on B.
    expect((await api(pair.a(), 'PUT', `/api/v1/stations/${id}`, { registrationStatus: 'Accepted' })).status).toBeLessThan(300);
    const trigger = await nextCall(client, 'TriggerMessage');
    expect(trigger[3]).toEqual({ requestedMessage: 'BootNotification' });
    client.send([3, trigger[1], { status: 'Accepted' }]);
    expect(await client.call('BootNotification', BOOT, 'boot-2')).toEqual([3, 'boot-2', expect.objectContaining({ status: 'Accepted' })]);
    expect(await client.call('StatusNotification', STATUS, 's-2')).toEqual([3, 's-2', {}]);
  });

  it('asks nothing of a station that was Accepted already, or that is not connected', async () => {
    const id = uniqueStation();
    expect((await api(pair.a(), 'PUT', `/api/v1/stations/${id}`, {})).status).toBeLessThan(300);
    const client = await pair.open(pair.b(), id);
    expect(await client.call('BootNotification', BOOT, 'boot-1')).toEqual([3, 'boot-1', expect.objectContaining({ status: 'Accepted' })]);
    expect((await api(pair.a(), 'PUT', `/api/v1/stations/${id}`, { registrationStatus: 'Accepted' })).status).toBe(200);
    const calls: unknown[] = [];
    client.ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as unknown[];
      if (frame[2] === 'TriggerMessage') calls.push(frame);
    });
    await new Promise((r) => setTimeout(r, 1000));
    expect(calls).toEqual([]);
    // Offline: the PUT still succeeds at once.
    const offline = uniqueStation();
    expect((await api(pair.a(), 'PUT', `/api/v1/stations/${offline}`, { registrationStatus: 'Pending' })).status).toBeLessThan(300);
    expect((await api(pair.a(), 'PUT', `/api/v1/stations/${offline}`, { registrationStatus: 'Accepted' })).status).toBe(200);
  });
});
