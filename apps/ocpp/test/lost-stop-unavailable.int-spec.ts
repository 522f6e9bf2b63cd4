import { randomUUID } from 'node:crypto';
import { api, ocppSuite, send } from './harness.js';

const uniqueTag = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`.toUpperCase();
const at = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString();

/**
 * `Unavailable` ends a session whose stop was lost only where it cannot be the session's own
 * state: chargers report it during a transaction too (OCPP 1.6 §4.9 lets them use it "for other
 * purposes"; some do while the EVSE suspends), and the session then still runs.
 */
describe('Unavailable and a session whose stop may be lost (review)', () => {
  const { ocpp, booted, command } = ocppSuite();
  const active = async (id: string) => (await api(ocpp(), 'GET', `/api/v1/transactions?stationId=${id}&active=true`)).body.total as number;

  it('reported during a running session (no reboot, no ChangeAvailability) leaves it active and its card ConcurrentTx', async () => {
    const cp = await booted();
    const idTag = uniqueTag('SUSP');
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${idTag}`, { status: 'Accepted' });
    // Stamped after its boot: a reboot since the start would end the session.
    const started = await send(cp, 'StartTransaction', { connectorId: 1, idTag, meterStart: 0, timestamp: at(1) });
    await send(cp, 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging', timestamp: at(2) });
    await send(cp, 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Unavailable', timestamp: at(3) });
    expect(await active(cp.identity)).toBe(1);
    expect((await send(cp, 'Authorize', { idTag })).idTagInfo.status).toBe('ConcurrentTx');
    // A clock-aligned reading without its transaction id still belongs to the running session.
    await send(cp, 'MeterValues', { connectorId: 1, meterValue: [{ timestamp: at(4), sampledValue: [{ value: '500' }] }] });
    const readings = await ocpp().db.query(`SELECT transaction_id FROM meter_readings WHERE station_id = $1`, [cp.identity]);
    expect(readings.map((r: { transaction_id: number | null }) => r.transaction_id)).toEqual([started.transactionId]);
  });

  it('after an Inoperative ChangeAvailability answered Scheduled ends the session whose stop was lost', async () => {
    const cp = await booted(undefined, (c) => c.handle('ChangeAvailability', () => ({ status: 'Scheduled' as const })));
    const idTag = uniqueTag('SCHL');
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${idTag}`, { status: 'Accepted' });
    await send(cp, 'StartTransaction', { connectorId: 1, idTag, meterStart: 0, timestamp: at(1) });
    expect((await command(cp.identity, 'ChangeAvailability', { connectorId: 0, type: 'Inoperative' })).body.payload).toEqual({ status: 'Scheduled' });
    await send(cp, 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Unavailable', timestamp: at() });
    expect(await active(cp.identity)).toBe(0);
    expect((await send(cp, 'Authorize', { idTag })).idTagInfo.status).toBe('Accepted');
  });
});
