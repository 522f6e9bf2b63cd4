import { randomUUID } from 'node:crypto';
import { api, send, startOcpp, testChargers, type OcppHarness } from './harness.js';

const now = () => new Date().toISOString();
const inOneHour = () => new Date(Date.now() + 3_600_000).toISOString();
const uniqueTag = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`.toUpperCase();

describe('OCPP authorization and reservations (review)', () => {
  let h: OcppHarness;
  const { booted } = testChargers(() => h);
  beforeAll(async () => {
    h = await startOcpp({ OCPP_REMOTE_AUTHORIZE_TIMEOUT_MS: '200' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('two chargers starting with the same card at the same moment: one session is Accepted, the other ConcurrentTx', async () => {
    const [a, b] = [await booted(), await booted()];
    // Several rounds: each pair of starts is decided concurrently on two stations.
    for (let round = 0; round < 6; round++) {
      const idTag = uniqueTag('RACE');
      await api(h, 'PUT', `/api/v1/id-tags/${idTag}`, { status: 'Accepted' });
      const timestamp = now();
      const answers = await Promise.all([a, b].map((cp) => send(cp, 'StartTransaction', { connectorId: 1, idTag, meterStart: round * 10, timestamp })));
      expect(answers.map((s) => s.idTagInfo.status).sort()).toEqual(['Accepted', 'ConcurrentTx']);
      const rows: { id_tag_status: string }[] = await h.db.query(`SELECT id_tag_status FROM transactions WHERE id_tag = $1 ORDER BY id_tag_status`, [idTag]);
      expect(rows.map((r) => r.id_tag_status)).toEqual(['Accepted', 'ConcurrentTx']);
    }
  });

  it('a reservation carried by a second StartTransaction stays with the session that used it first', async () => {
    const cp = await booted();
    cp.handle('ReserveNow', () => ({ status: 'Accepted' }));
    const reserve = { connectorId: 0, expiryDate: inOneHour(), idTag: uniqueTag('RSV') };
    const reserved = await api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/ReserveNow`, reserve);
    expect(reserved.status).toBe(200);
    const [{ reservationId }] = (await h.db.query(`SELECT reservation_id AS "reservationId" FROM reservations WHERE station_id = $1`, [cp.identity])) as { reservationId: number }[];
    const first = await send(cp, 'StartTransaction', { connectorId: 1, idTag: reserve.idTag, meterStart: 0, timestamp: now(), reservationId });
    await send(cp, 'StartTransaction', { connectorId: 2, idTag: uniqueTag('OTHER'), meterStart: 0, timestamp: now(), reservationId });
    const page = await api(h, 'GET', `/api/v1/reservations?stationId=${cp.identity}`);
    expect(page.body.items).toEqual([expect.objectContaining({ reservationId, status: 'Used', transactionId: first.transactionId })]);
  });
});
