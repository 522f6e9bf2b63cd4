import { randomUUID } from 'node:crypto';
import { Subjects, type OcpiCommandRequested } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { eventually } from '@cpo/testing';
import { api, ocppSuite, send } from './harness.js';

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
const now = () => new Date().toISOString();

/**
 * A charger back after a long offline period (OCPP 1.6 §4.8, guide §2.1 / TC_032_1, TC_037_x,
 * TC_039): statuses of now first, then its queued transaction messages, in order, stamped in the past.
 */
describe('a charger delivering its offline backlog', () => {
  const { ocpp, booted, command } = ocppSuite();

  it('every queued session gets its own id in order, its energy and its events at the charger\'s times; a tag blocked meanwhile is answered so', async () => {
    const cp = await booted();
    const id = cp.identity;
    await api(ocpp(), 'PUT', `/api/v1/id-tags/BL-OK`, { status: 'Accepted' });
    await api(ocpp(), 'PUT', `/api/v1/id-tags/BL-BLOCKED`, { status: 'Blocked' });
    await send(cp, 'StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: now() });
    const a = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'BL-OK', meterStart: 1000, timestamp: hoursAgo(30) });
    await send(cp, 'MeterValues', { connectorId: 1, transactionId: a.transactionId, meterValue: [{ timestamp: hoursAgo(29.5), sampledValue: [{ value: '3000' }] }] });
    await send(cp, 'StopTransaction', { transactionId: a.transactionId, meterStop: 5000, timestamp: hoursAgo(29) });
    const b = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'BL-BLOCKED', meterStart: 5000, timestamp: hoursAgo(5) });
    expect(b.idTagInfo.status).toBe('Blocked');
    await send(cp, 'MeterValues', { connectorId: 1, meterValue: [{ timestamp: hoursAgo(4.5), sampledValue: [{ value: '6000', context: 'Sample.Clock' }] }] });
    await send(cp, 'StopTransaction', { transactionId: b.transactionId, meterStop: 7000, timestamp: hoursAgo(4), reason: 'DeAuthorized', idTag: 'BL-BLOCKED' });
    expect(b.transactionId).toBeGreaterThan(a.transactionId);
    const rows = await ocpp().db.query(`SELECT transaction_id, energy_wh, started_at, stopped_at FROM transactions WHERE station_id = $1 ORDER BY transaction_id`, [id]);
    expect(rows.map((r: Record<string, unknown>) => Number(r['energy_wh']))).toEqual([4000, 2000]);
    const readings = await ocpp().db.query(`SELECT transaction_id FROM meter_readings WHERE station_id = $1 ORDER BY id`, [id]);
    expect(readings.map((r: Record<string, unknown>) => r['transaction_id'])).toEqual([a.transactionId, b.transactionId]);
    await eventually(() => ocpp().events.of(Subjects.OcppTransactionStopped, id).length === 2);
    const started = ocpp().events.of(Subjects.OcppTransactionStarted, id);
    expect(started.map((e) => e['startedAt'])).toEqual([rows[0].started_at.toISOString(), rows[1].started_at.toISOString()]);
    expect(ocpp().events.of(Subjects.OcppTransactionStopped, id).map((e) => e['reason'])).toEqual(['Local', 'DeAuthorized']);
    const active = await api(ocpp(), 'GET', `/api/v1/transactions?stationId=${id}&active=true`);
    expect(active.body.items).toEqual([]);
  });

  it('a remote start requested now and a reservation made now are not taken by a queued start of the same tag', async () => {
    const cp = await booted(undefined, (c) => {
      c.handle('RemoteStartTransaction', () => ({ status: 'Accepted' }));
      c.handle('ReserveNow', () => ({ status: 'Accepted' }));
    });
    await api(ocpp(), 'PUT', `/api/v1/id-tags/BL-RS`, { status: 'Accepted' });
    expect((await command(cp.identity, 'ReserveNow', { connectorId: 2, idTag: 'BL-RS', expiryDate: new Date(Date.now() + 3_600_000).toISOString(), reservationId: 4242 })).status).toBe(200);
    expect((await command(cp.identity, 'RemoteStartTransaction', { idTag: 'BL-RS', connectorId: 2 })).status).toBe(200);
    const q = await send(cp, 'StartTransaction', { connectorId: 2, idTag: 'BL-RS', meterStart: 0, timestamp: hoursAgo(3) });
    expect(q.idTagInfo.status).toBe('Accepted');
    await send(cp, 'StopTransaction', { transactionId: q.transactionId, meterStop: 10, timestamp: hoursAgo(2) });
    const rs = await api(ocpp(), 'GET', `/api/v1/stations/${cp.identity}/remote-starts`);
    expect(rs.body.items[0]).toMatchObject({ status: 'Accepted' });
    const res = await api(ocpp(), 'GET', `/api/v1/reservations?stationId=${cp.identity}`);
    expect(res.body.items[0]).toMatchObject({ status: 'Accepted' });
  });

  /** An eMSP's command through the hub, as ocpi-hub publishes it; its result. */
  async function ocpiCommand(c: Omit<OcpiCommandRequested, 'commandId' | 'requestedAt'>): Promise<Record<string, unknown> | undefined> {
    const commandId = randomUUID();
    await ocpp().app.app.get(EventPublisher).publish(Subjects.OcpiCommandRequested, { commandId, requestedAt: now(), ...c });
    await eventually(() => ocpp().events.of(Subjects.OcpiCommandResult).some((e) => e['commandId'] === commandId), 15_000);
    return ocpp().events.of(Subjects.OcpiCommandResult).find((e) => e['commandId'] === commandId);
  }

  it("a START_SESSION's reference goes to the session it started, not to a queued session of the same token from hours before it", async () => {
    const cp = await booted(undefined, (c) => c.handle('RemoteStartTransaction', () => ({ status: 'Accepted' })));
    const uid = `BL-CMD-${randomUUID().slice(0, 8)}`;
    expect(await ocpiCommand({ type: 'START_SESSION', stationId: cp.identity, connectorId: 1, authorizationReference: 'ref-cmd-1', parameters: { token: { uid } } })).toMatchObject({ result: 'ACCEPTED' });
    // The charger's backlog comes first (in order): yesterday's session of that card, then the command's.
    const queued = await send(cp, 'StartTransaction', { connectorId: 1, idTag: uid, meterStart: 0, timestamp: hoursAgo(20) });
    await send(cp, 'StopTransaction', { transactionId: queued.transactionId, meterStop: 900, timestamp: hoursAgo(19) });
    const caused = await send(cp, 'StartTransaction', { connectorId: 1, idTag: uid, meterStart: 900, timestamp: now() });
    expect([queued.idTagInfo.status, caused.idTagInfo.status]).toEqual(['Accepted', 'Accepted']);
    const refs = await ocpp().db.query(`SELECT transaction_id, authorization_reference FROM transactions WHERE station_id = $1 ORDER BY transaction_id`, [cp.identity]);
    expect(refs).toEqual([
      { transaction_id: queued.transactionId, authorization_reference: null },
      { transaction_id: caused.transactionId, authorization_reference: 'ref-cmd-1' },
    ]);
    await eventually(() => ocpp().events.of(Subjects.OcppTransactionStarted, cp.identity).length === 2);
    expect(ocpp().events.of(Subjects.OcppTransactionStarted, cp.identity).map((e) => e['authorizationReference'])).toEqual([undefined, 'ref-cmd-1']);
  });
});
