import { randomUUID } from 'node:crypto';
import { ReservationRepository } from '../src/reservations/reservation.repository.js';
import { TransactionService } from '../src/transactions/transaction.service.js';
import { api, ocppSuite, send } from './harness.js';

const uniqueTag = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`.toUpperCase();

/**
 * A StartTransaction locks the reservations its tag may have ended (connector 0 and its own) in id
 * order; a status that ends a station's reservations (Unavailable on connector 0) must take them
 * in that order too, or the two deadlock: one holds the earlier and waits for the later, the other
 * the reverse (a scan meets rows in their physical order, not by id), and PostgreSQL aborts one.
 */
describe('reservation row locks: a start by a reserved tag and a status ending the station\'s reservations', () => {
  const { ocpp, booted, command } = ocppSuite();

  async function waiting(n: number): Promise<void> {
    const end = Date.now() + 5_000;
    for (;;) {
      const [row] = (await ocpp().db.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%reservations%'`,
      )) as { n: number }[];
      if (row!.n >= n) return;
      if (Date.now() > end) throw new Error(`${n} waiting for reservation locks: only ${row!.n}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('both commit: the start uses its tag\'s reservation, the status ends the other', async () => {
    const cp = await booted(undefined, (c) => c.handle('ReserveNow', () => ({ status: 'Accepted' })));
    const stationId = cp.identity;
    const [tag, other] = [uniqueTag('LOCK-A'), uniqueTag('LOCK-B')];
    for (const t of [tag, other]) await api(ocpp(), 'PUT', `/api/v1/id-tags/${t}`, { status: 'Accepted' });
    const inOneHour = new Date(Date.now() + 3_600_000).toISOString();
    for (const [connectorId, idTag] of [[0, tag], [1, other]] as const) {
      expect((await command(stationId, 'ReserveNow', { connectorId, idTag, expiryDate: inOneHour })).body.payload).toEqual({ status: 'Accepted' });
    }
    await send(cp, 'StatusNotification', { connectorId: 0, errorCode: 'NoError', status: 'Available' });
    const db = ocpp().db;
    // The earlier reservation sent again under its id (it replaces the live one, OCPP 1.6 §5.13): its
    // row is rewritten (a new version, new index entries), so a scan now meets it after the later one.
    const [first] = (await db.query(`SELECT reservation_id FROM reservations WHERE station_id = $1 AND connector_id = 0`, [stationId])) as { reservation_id: number }[];
    expect((await command(stationId, 'ReserveNow', { connectorId: 0, idTag: tag, expiryDate: inOneHour, reservationId: first!.reservation_id })).body.payload).toEqual({ status: 'Accepted' });
    const physical = (await db.query(`SELECT connector_id FROM reservations WHERE station_id = $1 ORDER BY ctid`, [stationId])) as { connector_id: number }[];
    expect(physical.map((r) => r.connector_id)).toEqual([1, 0]);
    // The station's status as stored when its Unavailable arrives (endOnInoperative ends only under it).
    await db.query(`UPDATE connectors SET status = 'Unavailable' WHERE station_id = $1 AND connector_id = 0`, [stationId]);

    // Something holds the earlier reservation a moment (a CancelReservation's answer, say): both queue behind it.
    const blocker = db.createQueryRunner();
    await blocker.connect();
    await blocker.startTransaction();
    await blocker.query(`SELECT 1 FROM reservations WHERE station_id = $1 AND connector_id = 0 FOR UPDATE`, [stationId]);
    const start = ocpp().app.app.get(TransactionService).start(stationId, { connectorId: 1, idTag: tag, meterStart: 0, timestamp: new Date().toISOString() });
    await waiting(1);
    const ended = ocpp().app.app.get(ReservationRepository).endOnInoperative(stationId, 0, 'Unavailable');
    await waiting(2);
    await blocker.commitTransaction();
    await blocker.release();

    const outcomes = await Promise.allSettled([start, ended]);
    expect(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : o.status))).toEqual(['fulfilled', 'fulfilled']);
    const started = (outcomes[0] as PromiseFulfilledResult<{ transactionId: number }>).value;
    const rows = (await db.query(`SELECT connector_id, status, transaction_id FROM reservations WHERE station_id = $1 ORDER BY connector_id`, [stationId])) as Record<string, unknown>[];
    expect(rows).toEqual([
      { connector_id: 0, status: 'Used', transaction_id: started.transactionId },
      { connector_id: 1, status: 'Unavailable', transaction_id: null },
    ]);
  });
});
