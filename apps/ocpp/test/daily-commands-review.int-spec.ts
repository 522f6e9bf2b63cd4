import { randomUUID } from 'node:crypto';
import { eventually } from '@cpo/testing';
import { api, ocppSuite, send } from './harness.js';

const uniqueTag = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`.toUpperCase();
const at = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString();

/** The commands a CPO's operators use daily (ChangeAvailability, Reset, TriggerMessage): defects found in review. */
describe('daily operator commands (review)', () => {
  const { ocpp, booted, command } = ocppSuite();
  const station = async (id: string) => (await api(ocpp(), 'GET', `/api/v1/stations/${id}`)).body as Record<string, unknown>;

  it('a ChangeAvailability answered Scheduled during a session is shown with the station, applied once the connector reports Unavailable', async () => {
    const cp = await booted(undefined, (c) => c.handle('ChangeAvailability', () => ({ status: 'Scheduled' as const })));
    const idTag = uniqueTag('SCHED');
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${idTag}`, { status: 'Accepted' });
    const started = await send(cp, 'StartTransaction', { connectorId: 1, idTag, meterStart: 0, timestamp: at() });
    const res = await command(cp.identity, 'ChangeAvailability', { connectorId: 1, type: 'Inoperative' });
    expect(res.body.payload).toEqual({ status: 'Scheduled' });
    expect((await station(cp.identity))['availability']).toEqual([
      expect.objectContaining({ connectorId: 1, type: 'Inoperative', status: 'Scheduled', applied: false, requestedAt: expect.any(String) }),
    ]);
    // The session ends; the charger applies the change and reports it.
    await send(cp, 'StopTransaction', { transactionId: started.transactionId, meterStop: 100, timestamp: at() });
    await send(cp, 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Unavailable', timestamp: at() });
    expect((await station(cp.identity))['availability']).toEqual([expect.objectContaining({ connectorId: 1, status: 'Scheduled', applied: true })]);
  });

  it('a session whose stop a Reset lost ends once its connector reports Unavailable (a persisted Inoperative): not active, its card not ConcurrentTx', async () => {
    const cp = await booted();
    const idTag = uniqueTag('UNAV');
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${idTag}`, { status: 'Accepted' });
    await send(cp, 'StartTransaction', { connectorId: 1, idTag, meterStart: 0, timestamp: at(-60_000) });
    // Rebooted without its StopTransaction; the connector comes back Unavailable.
    await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' });
    await send(cp, 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Unavailable', timestamp: at(-1000) });
    const transactions = await api(ocpp(), 'GET', `/api/v1/transactions?stationId=${cp.identity}`);
    expect(transactions.body.items).toEqual([expect.objectContaining({ stopLost: true })]);
    expect((await api(ocpp(), 'GET', `/api/v1/transactions?stationId=${cp.identity}&active=true`)).body.total).toBe(0);
    expect((await send(cp, 'Authorize', { idTag })).idTagInfo.status).toBe('Accepted');
  });

  it('a TriggerMessage answered NotImplemented is stored with the station (guide §2.7); a later Accepted takes it off', async () => {
    let answer: 'NotImplemented' | 'Accepted' = 'NotImplemented';
    const cp = await booted(undefined, (c) => c.handle('TriggerMessage', () => ({ status: answer })));
    expect((await command(cp.identity, 'TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 1 })).body.payload).toEqual({ status: 'NotImplemented' });
    expect((await command(cp.identity, 'TriggerMessage', { requestedMessage: 'DiagnosticsStatusNotification' })).body.payload).toEqual({ status: 'NotImplemented' });
    expect((await station(cp.identity))['capabilities']).toEqual({ triggerNotImplemented: ['DiagnosticsStatusNotification', 'MeterValues'] });
    answer = 'Accepted';
    await command(cp.identity, 'TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 1 });
    expect((await station(cp.identity))['capabilities']).toEqual({ triggerNotImplemented: ['DiagnosticsStatusNotification'] });
  });
});

describe('a remote start whose StartTransaction comes after our timeout (review)', () => {
  const { ocpp, booted, command } = ocppSuite({ OCPP_REMOTE_START_TIMEOUT_S: '2' });
  const remoteStarts = async (id: string) => (await api(ocpp(), 'GET', `/api/v1/stations/${id}/remote-starts`)).body.items as Record<string, unknown>[];

  it('is linked to it (the charger waits as long as its own ConnectionTimeOut); a start long after is not', async () => {
    const idTag = uniqueTag('LATE');
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${idTag}`, { status: 'Accepted' });
    const cp = await booted(undefined, (c) => c.handle('RemoteStartTransaction', () => ({ status: 'Accepted' as const })));
    expect((await command(cp.identity, 'RemoteStartTransaction', { idTag, connectorId: 1 })).body.payload).toEqual({ status: 'Accepted' });
    expect(await eventually(async () => (await remoteStarts(cp.identity))[0]?.['status'] === 'TimedOut', 8000)).toBe(true);
    // The driver plugs in after our timeout, within the charger's.
    const started = await send(cp, 'StartTransaction', { connectorId: 1, idTag, meterStart: 0, timestamp: at() });
    expect(await remoteStarts(cp.identity)).toEqual([expect.objectContaining({ status: 'Started', transactionId: started.transactionId })]);
    await send(cp, 'StopTransaction', { transactionId: started.transactionId, meterStop: 10, timestamp: at() });
    // One that timed out 20 minutes before the tag's next session is not the one it asked for.
    await ocpp().db.query(`INSERT INTO remote_starts (station_id, connector_id, id_tag, status, requested_at, settled_at) VALUES ($1, 2, $2, 'TimedOut', now() - interval '20 minutes', now())`, [cp.identity, idTag]);
    await send(cp, 'StartTransaction', { connectorId: 2, idTag, meterStart: 0, timestamp: at() });
    expect((await remoteStarts(cp.identity)).map((r) => [r['connectorId'], r['status']])).toEqual([[1, 'Started'], [2, 'TimedOut']]);
  });
});
