import { Subjects } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
import { RemoteStartRepository } from '../src/transactions/remote-start.repository.js';
import { RemoteStartTracker } from '../src/transactions/remote-start.tracker.js';
import { ocppSuite, send, uniqueStation } from './harness.js';

const now = () => new Date().toISOString();
const later = (ms: number) => new Date(Date.now() + ms).toISOString();

/**
 * Late command outcomes on the paths where one change could be published twice or not at all:
 * sweeps running at once on several replicas, a status that ends many reservations, a repeated cancel.
 */
describe('late command outcomes: one event per change', () => {
  const { ocpp, booted, command } = ocppSuite();
  const events = (subject: string, stationId: string) => ocpp().events.of(subject, stationId);

  it('remote-start expiry sweeps running at once (as on several replicas) publish one TimedOut per remote start', async () => {
    const stationId = uniqueStation();
    const repository = ocpp().app.app.get(RemoteStartRepository);
    const ids = await Promise.all(['T-1', 'T-2', 'T-3'].map((tag) => repository.requested(stationId, 1, tag)));
    // Past the (default, 120 s) timeout without waiting for it.
    await ocpp().db.query(`UPDATE remote_starts SET requested_at = now() - interval '1 hour' WHERE id = ANY($1::bigint[])`, [ids]);
    const tracker = ocpp().app.app.get(RemoteStartTracker);
    await Promise.all([tracker.expire(), tracker.expire(), tracker.expire(), tracker.expire()]);

    expect(await eventually(async () => events(Subjects.OcppRemoteStartSettled, stationId).length >= 3, 8000)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    const settled = events(Subjects.OcppRemoteStartSettled, stationId);
    expect(settled.map((e) => e['remoteStartId']).sort()).toEqual([...ids].sort());
    expect(settled.every((e) => e['status'] === 'TimedOut')).toBe(true);
  });

  it('a connector-0 Faulted ends every reservation of the station, one event each; a connector Unavailable only its own', async () => {
    const cp = await booted(undefined, (c) => c.handle('ReserveNow', () => ({ status: 'Accepted' })));
    const reserve = async (connectorId: number, idTag: string) => (await command(cp.identity, 'ReserveNow', { connectorId, idTag, expiryDate: later(600_000) })).status;
    for (const [connectorId, tag] of [[1, 'R-1'], [2, 'R-2'], [0, 'R-0']] as const) expect(await reserve(connectorId, tag)).toBe(200);
    expect(await eventually(async () => events(Subjects.OcppReservationUpdated, cp.identity).length >= 3, 8000)).toBe(true);

    // Connector 1 Unavailable: only its own reservation ends (the station-wide one may use another).
    await send(cp, 'StatusNotification', { connectorId: 1, status: 'Unavailable', errorCode: 'NoError', timestamp: now() });
    expect(await eventually(async () => events(Subjects.OcppReservationUpdated, cp.identity).length >= 4, 8000)).toBe(true);
    // The whole station Faulted: the other two end.
    await send(cp, 'StatusNotification', { connectorId: 0, status: 'Faulted', errorCode: 'OtherError', timestamp: now() });
    expect(await eventually(async () => events(Subjects.OcppReservationUpdated, cp.identity).length >= 6, 8000)).toBe(true);
    // A second Faulted ends nothing more.
    await send(cp, 'StatusNotification', { connectorId: 0, status: 'Faulted', errorCode: 'OtherError', timestamp: now() });
    await new Promise((r) => setTimeout(r, 500));

    const updates = events(Subjects.OcppReservationUpdated, cp.identity).slice(3).map((e) => [e['idTag'], e['connectorId'], e['status']]);
    expect(updates[0]).toEqual(['R-1', 1, 'Unavailable']);
    expect(updates.slice(1).sort()).toEqual([
      ['R-0', 0, 'Faulted'],
      ['R-2', 2, 'Faulted'],
    ]);
  });

  it('a CancelReservation accepted publishes Cancelled with the terms, once; a second one ends nothing more', async () => {
    const cp = await booted(undefined, (c) => {
      c.handle('ReserveNow', () => ({ status: 'Accepted' }));
      c.handle('CancelReservation', () => ({ status: 'Accepted' }));
    });
    expect((await command(cp.identity, 'ReserveNow', { connectorId: 1, idTag: 'R-C', expiryDate: later(600_000), reservationId: 1_766_204_900 })).status).toBe(200);
    expect((await command(cp.identity, 'CancelReservation', { reservationId: 1_766_204_900 })).status).toBe(200);
    expect((await command(cp.identity, 'CancelReservation', { reservationId: 1_766_204_900 })).status).toBe(200);
    expect(await eventually(async () => events(Subjects.OcppReservationUpdated, cp.identity).length >= 2, 8000)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(events(Subjects.OcppReservationUpdated, cp.identity).map((e) => [e['reservationId'], e['idTag'], e['connectorId'], e['status']])).toEqual([
      [1_766_204_900, 'R-C', 1, 'Accepted'],
      [1_766_204_900, 'R-C', 1, 'Cancelled'],
    ]);
  });
});
