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

describe('transactions view: sessions running during a window (activeFrom/activeTo)', () => {
  const { ocpp, booted } = ocppSuite();

  it('lists the sessions that ran at some time in the window, whatever their start, a lost stop ending where its rule ends it', async () => {
    const cp = await booted();
    const base = Date.now() - 6 * 3_600_000;
    const at = (min: number) => new Date(base + min * 60_000).toISOString();
    const ids = (body: { items: Record<string, unknown>[] }) => body.items.map((t) => t['transactionId']).sort();
    // Over two hours before the window; stopped in it; started before and still running; lost stop
    // ended (by the connector going Available) before the window; lost stop ended inside it.
    const early = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'WIN-1', meterStart: 0, timestamp: at(0) });
    await send(cp, 'StopTransaction', { transactionId: early.transactionId, meterStop: 1000, timestamp: at(60) });
    const stopsInside = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'WIN-2', meterStart: 1000, timestamp: at(100) });
    await send(cp, 'StopTransaction', { transactionId: stopsInside.transactionId, meterStop: 2000, timestamp: at(190) });
    const overnight = await send(cp, 'StartTransaction', { connectorId: 2, idTag: 'WIN-3', meterStart: 0, timestamp: at(10) });
    const lostBefore = await send(cp, 'StartTransaction', { connectorId: 3, idTag: 'WIN-4', meterStart: 0, timestamp: at(20) });
    await send(cp, 'StatusNotification', { connectorId: 3, status: 'Available', errorCode: 'NoError', timestamp: at(50) });
    const lostInside = await send(cp, 'StartTransaction', { connectorId: 4, idTag: 'WIN-5', meterStart: 0, timestamp: at(30) });
    await send(cp, 'StatusNotification', { connectorId: 4, status: 'Available', errorCode: 'NoError', timestamp: at(200) });
    const after = await send(cp, 'StartTransaction', { connectorId: 5, idTag: 'WIN-6', meterStart: 0, timestamp: at(300) });

    const page = async (q: string) => (await api(ocpp(), 'GET', `/api/v1/transactions?stationId=${cp.identity}${q}`)).body;
    const window = await page(`&activeFrom=${at(180)}&activeTo=${at(240)}`);
    expect(ids(window)).toEqual([stopsInside.transactionId, overnight.transactionId, lostInside.transactionId].sort());
    expect(window.total).toBe(3);
    // An instant: running at minute 195 (the one stopped at 190 is not; the lost one ended at 200 is).
    expect(ids(await page(`&activeFrom=${at(195)}&activeTo=${at(195)}`))).toEqual([overnight.transactionId, lostInside.transactionId].sort());
    // Open-ended: running at or after minute 250.
    expect(ids(await page(`&activeFrom=${at(250)}`))).toEqual([overnight.transactionId, after.transactionId].sort());
    expect(ids(await page(`&activeTo=${at(15)}`))).toEqual([early.transactionId, overnight.transactionId].sort());
    expect(lostBefore.transactionId).toBeGreaterThan(0);
    // A backwards window is a 400 naming the field, not an empty page.
    const backwards = await api(ocpp(), 'GET', `/api/v1/transactions?activeFrom=${at(240)}&activeTo=${at(180)}`);
    expect(backwards.status).toBe(400);
    expect(JSON.stringify(backwards.body)).toContain('activeTo must not be before activeFrom');
  });
});
