import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { connectorStatusesStatement, type ConnectorStatusRow } from '../src/stations/connector-status.statement.js';
import { ocppSuite } from './harness.js';

/**
 * Review session 3 of f91fd14 (status ordering). Times of record, and the events' timestamps
 * consumers order by, must never go back for a connector (the statement's own rule). Within one
 * group-committed batch `as_receipt` compares a stamp with `earlier_at`, the earlier rows' stamps
 * as sent, not their times of record: a first row moved to its receipt does not move the next.
 */
describe('review session 3: connector status times within one batch', () => {
  const { ocpp, booted } = ocppSuite();

  async function status(cp: ChargePoint16, s: string): Promise<void> {
    expect(await cp.call('StatusNotification', { connectorId: 1, status: s, errorCode: 'NoError' } as never)).toEqual({});
  }

  it('two stamped statuses of a clock behind UTC in one batch after a receipt-timed one: times never go back', async () => {
    const cp = await booted();
    await status(cp, 'Available'); // no stamp: timed at its receipt C
    const [row] = (await ocpp().db.query(`SELECT status_at FROM connectors WHERE station_id = $1 AND connector_id = 1`, [cp.identity])) as { status_at: Date }[];
    const c = row!.status_at.getTime();
    // A charger clock 10 s behind, two statuses 6 s apart arriving together (one batch).
    const base = { stationId: cp.identity, connectorId: 1, errorCode: 'NoError', byReceipt: false } as const;
    const rows: ConnectorStatusRow[] = [
      { ...base, status: 'Preparing', statusAt: new Date(c - 4_000), receivedAt: new Date(c + 6_000) },
      { ...base, status: 'Charging', statusAt: new Date(c + 2_000), receivedAt: new Date(c + 12_000) },
    ];
    const { ctes, params } = connectorStatusesStatement(rows, 1);
    const fresh = (await ocpp().db.query(
      `WITH ${ctes} SELECT ord, CASE WHEN as_receipt THEN received_at ELSE status_at END AS at FROM st_fresh ORDER BY ord`,
      params,
    )) as { ord: string; at: Date }[];
    expect(fresh.map((f) => Number(f.ord))).toEqual([1, 2]);
    const times = fresh.map((f) => f.at.getTime());
    // Preparing is timed at its receipt (C + 6 s); Charging, stamped C + 2 s, was published before it.
    expect(times[1]).toBeGreaterThanOrEqual(times[0]!);
  });
});
