import { api, ocppSuite, send } from '../../test/harness.js';

/**
 * A charger clock a few minutes fast: its StartTransaction stamp is taken as sent (within
 * AHEAD_TOLERANCE_MS, time.ts) while its StatusNotifications, stamped ahead of their receipt, are
 * recorded at receipt (statusTime). The lost-stop rule compares the two, so the start is bounded by
 * its receipt there: otherwise no status for minutes after it ended a session whose stop was lost.
 */
describe('lost stop: a charger clock minutes ahead', () => {
  const { ocpp, booted } = ocppSuite();

  it('the connector reported Available a minute after a start stamped 10 min ahead: the session is over, the card free', async () => {
    const cp = await booted();
    await api(ocpp(), 'PUT', '/api/v1/id-tags/AHEAD-LOST-1', { status: 'Accepted' });
    const fast = () => new Date(Date.now() + 10 * 60_000).toISOString();
    const lost = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'AHEAD-LOST-1', meterStart: 0, timestamp: fast() });
    await send(cp, 'StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: fast() });
    // Its StopTransaction never came (discarded after the charger's retries); the car left.
    await send(cp, 'StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: fast() });

    const page = (await api(ocpp(), 'GET', `/api/v1/transactions?stationId=${cp.identity}`)).body;
    expect(page.items.find((t: Record<string, unknown>) => t['transactionId'] === lost.transactionId)).toMatchObject({ stopLost: true });
    const again = await send(cp, 'StartTransaction', { connectorId: 2, idTag: 'AHEAD-LOST-1', meterStart: 0, timestamp: fast() });
    expect(again.idTagInfo.status).toBe('Accepted');
  });

  it('a status reported before such a start (Preparing, at its receipt) does not end it', async () => {
    const cp = await booted();
    await api(ocpp(), 'PUT', '/api/v1/id-tags/AHEAD-RUN-1', { status: 'Accepted' });
    const fast = () => new Date(Date.now() + 10 * 60_000).toISOString();
    await send(cp, 'StatusNotification', { connectorId: 1, status: 'Preparing', errorCode: 'NoError', timestamp: fast() });
    const running = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'AHEAD-RUN-1', meterStart: 0, timestamp: fast() });

    const page = (await api(ocpp(), 'GET', `/api/v1/transactions?stationId=${cp.identity}`)).body;
    expect(page.items.find((t: Record<string, unknown>) => t['transactionId'] === running.transactionId)).toMatchObject({ stopLost: false });
    const again = await send(cp, 'StartTransaction', { connectorId: 2, idTag: 'AHEAD-RUN-1', meterStart: 0, timestamp: fast() });
    expect(again.idTagInfo.status).toBe('ConcurrentTx');
  });
});
