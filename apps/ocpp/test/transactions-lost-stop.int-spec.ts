import { api, ocppSuite, send } from './harness.js';

/**
 * A transaction whose StopTransaction the charger discarded (OCPP 1.6 §3.7.1) is over once its
 * connector reported a status with no transaction on it, or a later transaction started there: the
 * rule ConcurrentTx and MeterValues attachment follow, and the operator's view must too.
 */
describe('transactions view: sessions whose stop was lost', () => {
  const { ocpp, booted } = ocppSuite();

  it('marks a session ended without its stop as stopLost and leaves it out of active=true, while a running one stays active', async () => {
    const cp = await booted();
    const at = (s: number) => new Date(Date.now() - 600_000 + s * 1000).toISOString();
    const lost = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'LOST-STOP-1', meterStart: 0, timestamp: at(0) });
    // Its StopTransaction never came; the connector went back to Available.
    await send(cp, 'StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: at(60) });
    const replaced = await send(cp, 'StartTransaction', { connectorId: 2, idTag: 'LOST-STOP-2', meterStart: 0, timestamp: at(10) });
    // No stop either, but a later transaction started on the same connector.
    const running = await send(cp, 'StartTransaction', { connectorId: 2, idTag: 'LOST-STOP-3', meterStart: 0, timestamp: at(120) });
    await send(cp, 'StatusNotification', { connectorId: 2, status: 'Charging', errorCode: 'NoError', timestamp: at(121) });

    const page = async (q: string) => (await api(ocpp(), 'GET', `/api/v1/transactions?stationId=${cp.identity}${q}`)).body;
    const all = await page('');
    const byId = Object.fromEntries(all.items.map((t: Record<string, unknown>) => [t['transactionId'], t['stopLost']]));
    expect(byId).toEqual({ [lost.transactionId]: true, [replaced.transactionId]: true, [running.transactionId]: false });
    const active = await page('&active=true');
    expect(active.items.map((t: Record<string, unknown>) => t['transactionId'])).toEqual([running.transactionId]);
    expect(active.total).toBe(1);
    const ended = await page('&active=false');
    expect(ended.items.map((t: Record<string, unknown>) => t['transactionId']).sort()).toEqual([lost.transactionId, replaced.transactionId].sort());
  });
});
