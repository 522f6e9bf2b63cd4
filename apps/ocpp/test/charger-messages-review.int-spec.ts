import { api, send, ocppSuite, uniqueStation } from './harness.js';

const now = () => new Date().toISOString();

/** Charger-initiated messages (guide §2.1, §2.3): defects found in review. */
describe('charger-initiated messages: review fixes', () => {
  const { ocpp, booted } = ocppSuite();

  it("a StopTransaction's idTagInfo is never ConcurrentTx: a card stopping another card's session while it charges elsewhere is Accepted", async () => {
    const starter = uniqueStation('TAG').slice(-12);
    const stopper = uniqueStation('TAG').slice(-12);
    for (const tag of [starter, stopper]) expect((await api(ocpp(), 'PUT', `/api/v1/id-tags/${tag}`, { status: 'Accepted' })).status).toBe(201);
    const here = await booted();
    const elsewhere = await booted();
    const session = await send(here, 'StartTransaction', { connectorId: 1, idTag: starter, meterStart: 0, timestamp: now() });
    const other = await send(elsewhere, 'StartTransaction', { connectorId: 1, idTag: stopper, meterStart: 0, timestamp: now() });
    expect(other.idTagInfo.status).toBe('Accepted');
    // OCPP 1.6 §7.2: ConcurrentTx is only relevant for a StartTransaction.req. The charger keeps this
    // idTagInfo in its Authorization Cache: ConcurrentTx there refuses the card offline afterwards.
    const stop = await send(here, 'StopTransaction', { transactionId: session.transactionId, idTag: stopper, meterStop: 1000, timestamp: now() });
    expect(stop.idTagInfo?.status).toBe('Accepted');
  });
});
