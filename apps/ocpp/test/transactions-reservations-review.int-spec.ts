import { eventually } from '@cpo/testing';
import { TransactionService } from '../src/transactions/transaction.service.js';
import { api, ocppSuite, send, uniqueStation } from './harness.js';

/** Transactions, remote starts and reservations against OCPP 1.6: defects found in review. */
describe('transactions and reservations: review fixes', () => {
  const { ocpp, booted, command } = ocppSuite();

  it('two remote starts of one tag in flight at once each get their own answer, and the start is linked to the one it answered', async () => {
    await api(ocpp(), 'PUT', '/api/v1/id-tags/RS-TWICE', { status: 'Accepted' });
    let calls = 0;
    const cp = await booted();
    const recorded = () => ocpp().db.query(`SELECT 1 FROM remote_starts WHERE station_id = $1`, [cp.identity]) as Promise<unknown[]>;
    cp.handle('RemoteStartTransaction', async () => {
      calls += 1;
      if (calls > 1) return { status: 'Rejected' as const };
      // The second request (an app's double tap) is recorded while the first waits for this answer.
      await eventually(async () => (await recorded()).length === 2);
      return { status: 'Accepted' as const };
    });
    const [first, second] = await Promise.all([
      command(cp.identity, 'RemoteStartTransaction', { idTag: 'RS-TWICE', connectorId: 1 }),
      // Sent a moment later, so it is queued behind the first.
      new Promise((r) => setTimeout(r, 50)).then(() => command(cp.identity, 'RemoteStartTransaction', { idTag: 'RS-TWICE', connectorId: 2 })),
    ]);
    expect([first.body.payload, second.body.payload]).toEqual([{ status: 'Accepted' }, { status: 'Rejected' }]);
    const started = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'RS-TWICE', meterStart: 0, timestamp: new Date().toISOString() });
    const starts = await api(ocpp(), 'GET', `/api/v1/stations/${cp.identity}/remote-starts`);
    expect(starts.body.items.map((s: Record<string, unknown>) => [s['connectorId'], s['status'], s['transactionId']])).toEqual([
      [2, 'Rejected', null],
      [1, 'Started', started.transactionId],
    ]);
  });

  it('copies of a stop for an unknown transaction handled at once (two replicas, a resend after a half-open socket) are kept once', async () => {
    const stationId = uniqueStation('ORPH');
    const stop = { transactionId: 987_654, idTag: 'ORPHAN-RACE', meterStop: 4200, timestamp: '2026-03-05T10:00:00Z', reason: 'EVDisconnected' as const };
    // Each replica handles its copy in its own database transaction: the replica's service, called at once.
    const service = ocpp().app.app.get(TransactionService);
    await Promise.all(Array.from({ length: 4 }, () => service.stop(stationId, { ...stop })));
    const kept: unknown[] = await ocpp().db.query(`SELECT 1 FROM station_messages WHERE station_id = $1 AND kind = 'OrphanStopTransaction'`, [stationId]);
    expect(kept).toHaveLength(1);
  });

  it('a held reservation ends when its connector, or the station (connector 0), reports Faulted or Unavailable (OCPP 1.6 §5.13)', async () => {
    const cp = await booted(undefined, (c) => c.handle('ReserveNow', () => ({ status: 'Accepted' })));
    const expiryDate = new Date(Date.now() + 3_600_000).toISOString();
    for (const connectorId of [0, 1, 2]) {
      expect((await command(cp.identity, 'ReserveNow', { connectorId, expiryDate, idTag: `RSV-INOP-${connectorId}` })).status).toBe(200);
    }
    const held = async () => {
      const page = await api(ocpp(), 'GET', `/api/v1/reservations?stationId=${cp.identity}`);
      return Object.fromEntries(page.body.items.map((r: Record<string, unknown>) => [r['connectorId'], r['status']]));
    };
    const status = (connectorId: number, s: 'Faulted' | 'Unavailable' | 'Available', at: string) =>
      send(cp, 'StatusNotification', { connectorId, status: s, errorCode: s === 'Faulted' ? 'GroundFailure' : 'NoError', timestamp: at });
    // A status older than the stored one is ignored: it ends nothing.
    await status(1, 'Available', new Date().toISOString());
    await status(1, 'Faulted', new Date(Date.now() - 60_000).toISOString());
    expect(await held()).toEqual({ 0: 'Accepted', 1: 'Accepted', 2: 'Accepted' });
    // One connector faulting ends its own reservation only (connector 0's may still use another).
    await status(1, 'Faulted', new Date().toISOString());
    expect(await held()).toEqual({ 0: 'Accepted', 1: 'Faulted', 2: 'Accepted' });
    // The whole station unavailable ends every reservation it holds.
    await status(0, 'Unavailable', new Date().toISOString());
    expect(await held()).toEqual({ 0: 'Unavailable', 1: 'Faulted', 2: 'Unavailable' });
  });

  it('a second, different stop naming an already stopped transaction is kept for reconciliation, not dropped; a retry adds nothing', async () => {
    const cp = await booted();
    const started = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'STOP-TWICE', meterStart: 1000, timestamp: '2026-03-06T10:00:00Z' });
    const first = { transactionId: started.transactionId, idTag: 'STOP-TWICE', meterStop: 6000, timestamp: '2026-03-06T11:00:00Z' };
    await send(cp, 'StopTransaction', first);
    await send(cp, 'StopTransaction', first);
    // Firmware that got no id for a later session (queued offline) stops it under the last id it had.
    const later = { transactionId: started.transactionId, idTag: 'STOP-TWICE', meterStop: 9000, timestamp: '2026-03-06T14:00:00Z', reason: 'EVDisconnected' as const };
    await send(cp, 'StopTransaction', later);
    await send(cp, 'StopTransaction', later);
    const rows: { meter_stop_wh: string; energy_wh: string }[] = await ocpp().db.query(`SELECT meter_stop_wh, energy_wh FROM transactions WHERE transaction_id = $1`, [started.transactionId]);
    expect(rows).toEqual([{ meter_stop_wh: '6000', energy_wh: '5000' }]);
    const kept: { payload: Record<string, unknown> }[] = await ocpp().db.query(`SELECT payload FROM station_messages WHERE station_id = $1 AND kind = 'OrphanStopTransaction'`, [cp.identity]);
    expect(kept.map((k) => k.payload)).toEqual([later]);
  });

  it('a register a little below meterStart (a kWh reading without its last decimals, a rounding) is no energy yet, not the whole register as if the meter had restarted', async () => {
    const cp = await booted();
    const energyOf = async (transactionId: number) =>
      ((await api(ocpp(), 'GET', `/api/v1/transactions?stationId=${cp.identity}`)).body.items as { transactionId: number; energyWh: number | null }[]).find((t) => t.transactionId === transactionId)?.energyWh;
    const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'ROUNDED', meterStart: 1_234_567, timestamp: '2026-03-07T10:00:00Z' });
    // The meter reports its register in kWh to one decimal: 1234.5 kWh is the start's 1,234,567 Wh, cut.
    const begin = { timestamp: '2026-03-07T10:00:00Z', sampledValue: [{ value: '1234.5', unit: 'kWh' as const, context: 'Transaction.Begin' as const }] };
    await send(cp, 'MeterValues', { connectorId: 1, transactionId, meterValue: [begin] });
    expect(await energyOf(transactionId)).toBe(0);
    await send(cp, 'StopTransaction', { transactionId, meterStop: 1_234_566, timestamp: '2026-03-07T10:05:00Z' });
    expect(await energyOf(transactionId)).toBe(0);
    // A register that restarted from zero during the session still counts what it shows.
    const restarted = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'ROUNDED', meterStart: 1_234_567, timestamp: '2026-03-07T11:00:00Z' });
    await send(cp, 'StopTransaction', { transactionId: restarted.transactionId, meterStop: 350, timestamp: '2026-03-07T12:00:00Z' });
    expect(await energyOf(restarted.transactionId)).toBe(350);
  });

  it('MeterValues without a transaction id after the connector reported Finishing (stopped, cable still in) are not attached to a transaction whose stop was lost', async () => {
    const cp = await booted();
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'GHOST-FIN', meterStart: 0, timestamp: at(300) });
    // The charger discarded the StopTransaction; the car stays plugged in overnight.
    await send(cp, 'StatusNotification', { connectorId: 1, status: 'Finishing', errorCode: 'NoError', timestamp: at(240) });
    await send(cp, 'MeterValues', { connectorId: 1, meterValue: [270, 60].map((m) => ({ timestamp: at(m), sampledValue: [{ value: String(5000 - m), context: 'Sample.Clock' as const }] })) });
    const rows: { transaction_id: number | null }[] = await ocpp().db.query(`SELECT transaction_id FROM meter_readings WHERE station_id = $1 ORDER BY sampled_at`, [cp.identity]);
    expect(rows).toEqual([{ transaction_id: transactionId }, { transaction_id: null }]);
  });
});
