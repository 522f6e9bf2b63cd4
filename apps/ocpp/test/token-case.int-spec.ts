import { api, ocppSuite, send } from './harness.js';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const inOneHour = () => new Date(Date.now() + 3_600_000).toISOString();

/**
 * IdToken is a CiString20 (`04A2B3C4` and `04a2b3c4` are one token) in remote starts and
 * reservations too; a lost StopTransaction does not make the driver concurrent with a new start on
 * that very connector; reservation pages past the end keep their total.
 */
describe('OCPP tokens without case, ConcurrentTx per connector, reservation totals', () => {
  const { ocpp, booted } = ocppSuite({ OCPP_REMOTE_AUTHORIZE_TIMEOUT_MS: '200' });

  it('a remote start is linked to the StartTransaction that reports its tag in another case', async () => {
    await api(ocpp(), 'PUT', '/api/v1/id-tags/RS-AB12CD', { status: 'Accepted' });
    const cp = await booted();
    cp.handle('RemoteStartTransaction', () => ({ status: 'Accepted' }));
    expect((await api(ocpp(), 'POST', `/api/v1/stations/${cp.identity}/commands/RemoteStartTransaction`, { idTag: 'RS-AB12CD', connectorId: 1 })).status).toBe(200);
    const started = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'rs-ab12cd', meterStart: 0, timestamp: new Date().toISOString() });
    const starts = await api(ocpp(), 'GET', `/api/v1/stations/${cp.identity}/remote-starts`);
    expect(starts.body.items).toEqual([expect.objectContaining({ idTag: 'RS-AB12CD', status: 'Started', transactionId: started.transactionId })]);
  });

  it('a StartTransaction using a reservation in another case of its tag marks it Used', async () => {
    const cp = await booted();
    cp.handle('ReserveNow', () => ({ status: 'Accepted' }));
    const reserve = { connectorId: 1, expiryDate: inOneHour(), idTag: 'RSV-AB12', reservationId: 1_765_400_601 };
    expect((await api(ocpp(), 'POST', `/api/v1/stations/${cp.identity}/commands/ReserveNow`, reserve)).status).toBe(200);
    const started = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'rsv-ab12', meterStart: 0, timestamp: new Date().toISOString(), reservationId: reserve.reservationId });
    const page = await api(ocpp(), 'GET', `/api/v1/reservations?stationId=${cp.identity}`);
    expect(page.body.items).toEqual([expect.objectContaining({ reservationId: reserve.reservationId, status: 'Used', transactionId: started.transactionId })]);
  });

  it('a reservations page past the end still reports the total', async () => {
    const cp = await booted();
    cp.handle('ReserveNow', () => ({ status: 'Accepted' }));
    for (const connectorId of [1, 2]) {
      expect((await api(ocpp(), 'POST', `/api/v1/stations/${cp.identity}/commands/ReserveNow`, { connectorId, expiryDate: inOneHour(), idTag: 'RSV-PAGE' })).status).toBe(200);
    }
    expect((await api(ocpp(), 'GET', `/api/v1/reservations?stationId=${cp.identity}&offset=5`)).body).toEqual({ items: [], total: 2, offset: 5, limit: 100 });
  });

  describe('ConcurrentTx after a StopTransaction the charger discarded', () => {
    it('the same driver starting again on the same connector, with no status in between, is not concurrent with the lost session', async () => {
      await api(ocpp(), 'PUT', '/api/v1/id-tags/SAME-CONN', { status: 'Accepted' });
      const cp = await booted();
      await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'SAME-CONN', meterStart: 0, timestamp: minutesAgo(120) });
      // Its stop was lost; the charger sent no Available/Preparing before the next start on that connector.
      const again = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'same-conn', meterStart: 500, timestamp: minutesAgo(1) });
      expect(again.idTagInfo).toEqual({ status: 'Accepted' });
    });

    it('a session still running on another connector keeps a start concurrent, queued offline or not', async () => {
      await api(ocpp(), 'PUT', '/api/v1/id-tags/TWO-CONN', { status: 'Accepted' });
      const cp = await booted();
      await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'TWO-CONN', meterStart: 0, timestamp: minutesAgo(120) });
      await send(cp, 'StartTransaction', { connectorId: 2, idTag: 'TWO-CONN', meterStart: 0, timestamp: minutesAgo(60) });
      // Connector 1 is free again by this start, but the session on connector 2 is still running.
      expect((await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'two-conn', meterStart: 10, timestamp: minutesAgo(1) })).idTagInfo.status).toBe('ConcurrentTx');
      // A start queued offline on connector 3 while connector 1's session ran.
      expect((await send(cp, 'StartTransaction', { connectorId: 3, idTag: 'TWO-CONN', meterStart: 0, timestamp: minutesAgo(90) })).idTagInfo.status).toBe('ConcurrentTx');
    });
  });
});
