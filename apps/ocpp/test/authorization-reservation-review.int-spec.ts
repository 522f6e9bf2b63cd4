import { randomUUID } from 'node:crypto';
import { api, ocppSuite, send } from './harness.js';

const now = () => new Date().toISOString();
const inOneHour = () => new Date(Date.now() + 3_600_000).toISOString();
const uniqueTag = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`.toUpperCase();

describe('OCPP authorization and reservations (review)', () => {
  const { ocpp, booted } = ocppSuite({ OCPP_REMOTE_AUTHORIZE_TIMEOUT_MS: '200' });

  it('two chargers starting with the same card at the same moment: one session is Accepted, the other ConcurrentTx', async () => {
    const [a, b] = [await booted(), await booted()];
    // Several rounds: each pair of starts is decided concurrently on two stations.
    for (let round = 0; round < 6; round++) {
      const idTag = uniqueTag('RACE');
      await api(ocpp(), 'PUT', `/api/v1/id-tags/${idTag}`, { status: 'Accepted' });
      const timestamp = now();
      const answers = await Promise.all([a, b].map((cp) => send(cp, 'StartTransaction', { connectorId: 1, idTag, meterStart: round * 10, timestamp })));
      expect(answers.map((s) => s.idTagInfo.status).sort()).toEqual(['Accepted', 'ConcurrentTx']);
      const rows: { id_tag_status: string }[] = await ocpp().db.query(`SELECT id_tag_status FROM transactions WHERE id_tag = $1 ORDER BY id_tag_status`, [idTag]);
      expect(rows.map((r) => r.id_tag_status)).toEqual(['Accepted', 'ConcurrentTx']);
    }
  });

  it('a reservation carried by a second StartTransaction stays with the session that used it first', async () => {
    const cp = await booted();
    cp.handle('ReserveNow', () => ({ status: 'Accepted' }));
    const reserve = { connectorId: 0, expiryDate: inOneHour(), idTag: uniqueTag('RSV') };
    const reserved = await api(ocpp(), 'POST', `/api/v1/stations/${cp.identity}/commands/ReserveNow`, reserve);
    expect(reserved.status).toBe(200);
    const [{ reservationId }] = (await ocpp().db.query(`SELECT reservation_id AS "reservationId" FROM reservations WHERE station_id = $1`, [cp.identity])) as { reservationId: number }[];
    const first = await send(cp, 'StartTransaction', { connectorId: 1, idTag: reserve.idTag, meterStart: 0, timestamp: now(), reservationId });
    await send(cp, 'StartTransaction', { connectorId: 2, idTag: uniqueTag('OTHER'), meterStart: 0, timestamp: now(), reservationId });
    const page = await api(ocpp(), 'GET', `/api/v1/reservations?stationId=${cp.identity}`);
    expect(page.body.items).toEqual([expect.objectContaining({ reservationId, status: 'Used', transactionId: first.transactionId })]);
  });

  it('a SendLocalList with a tag twice (any case) or a version the charger reports as empty/unsupported is a 400, never sent', async () => {
    const cp = await booted();
    let sent = 0;
    cp.handle('SendLocalList', () => (sent++, { status: 'Accepted' }));
    const entry = (idTag: string) => ({ idTag, idTagInfo: { status: 'Accepted' } });
    const path = `/api/v1/stations/${cp.identity}/commands/SendLocalList`;
    const duplicate = await api(ocpp(), 'POST', path, { listVersion: 7, updateType: 'Full', localAuthorizationList: [entry('04A2B3'), entry('LL-2'), entry('04a2b3')] });
    expect(duplicate.status).toBe(400);
    expect(JSON.stringify(duplicate.body.details)).toContain('localAuthorizationList/2/idTag');
    for (const listVersion of [-1, 0]) {
      const res = await api(ocpp(), 'POST', path, { listVersion, updateType: 'Differential', localAuthorizationList: [entry('LL-3')] });
      expect({ listVersion, status: res.status }).toEqual({ listVersion, status: 400 });
    }
    expect(sent).toBe(0);
    expect((await api(ocpp(), 'GET', `/api/v1/stations/${cp.identity}`)).body.local_list).toBeNull();
    // Emptying the list under version 0 is what 0 means.
    expect((await api(ocpp(), 'POST', path, { listVersion: 0, updateType: 'Full' })).status).toBe(200);
    expect((await api(ocpp(), 'GET', `/api/v1/stations/${cp.identity}`)).body.local_list).toMatchObject({ listVersion: 0, entries: 0 });
  });

  it('a CancelReservation the charger answers Rejected (it holds no such reservation) no longer shows the reservation as held', async () => {
    const cp = await booted();
    cp.handle('ReserveNow', () => ({ status: 'Accepted' }));
    cp.handle('CancelReservation', () => ({ status: 'Rejected' }));
    const path = `/api/v1/stations/${cp.identity}/commands`;
    expect((await api(ocpp(), 'POST', `${path}/ReserveNow`, { connectorId: 1, expiryDate: inOneHour(), idTag: uniqueTag('GONE'), reservationId: 1_765_600_101 })).status).toBe(200);
    const cancelled = await api(ocpp(), 'POST', `${path}/CancelReservation`, { reservationId: 1_765_600_101 });
    expect(cancelled.body).toEqual({ status: 'ok', payload: { status: 'Rejected' } });
    const page = await api(ocpp(), 'GET', `/api/v1/reservations?stationId=${cp.identity}`);
    expect(page.body.items).toEqual([expect.objectContaining({ reservationId: 1_765_600_101, status: 'NotHeld' })]);
  });
});
