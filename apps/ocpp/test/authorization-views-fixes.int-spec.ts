import { api, ocppSuite, send } from './harness.js';

const now = () => new Date().toISOString();

describe('OCPP authorization and operator view fixes', () => {
  const { ocpp, booted } = ocppSuite({ OCPP_REMOTE_AUTHORIZE_TIMEOUT_MS: '200' });

  describe('an idTag is one token whatever its case (IdToken is a CiString20)', () => {
    it('Authorize and StartTransaction find the local token, and ConcurrentTx holds, in another case', async () => {
      await api(ocpp(), 'PUT', '/api/v1/id-tags/04A2B3C4D5', { status: 'Accepted', parentIdTag: 'FLEET-CI' });
      const [a, b] = [await booted(), await booted()];
      expect((await send(a, 'Authorize', { idTag: '04a2b3c4d5' })).idTagInfo).toEqual({ status: 'Accepted', parentIdTag: 'FLEET-CI' });
      const started = await send(a, 'StartTransaction', { connectorId: 1, idTag: '04a2b3c4d5', meterStart: 0, timestamp: now() });
      expect(started.idTagInfo).toEqual({ status: 'Accepted', parentIdTag: 'FLEET-CI' });
      // The same card at another charger, reported in upper case, is in that transaction.
      expect((await send(b, 'Authorize', { idTag: '04A2B3C4D5' })).idTagInfo.status).toBe('ConcurrentTx');
      const found = await api(ocpp(), 'GET', '/api/v1/transactions?idTag=04A2B3C4D5');
      expect(found.body.items.map((t: { transactionId: number }) => t.transactionId)).toEqual([started.transactionId]);
    });

    it('PUT, GET and DELETE of /id-tags address the stored token in any case, never a second one', async () => {
      await api(ocpp(), 'PUT', '/api/v1/id-tags/AB12CD', { status: 'Accepted' });
      const blocked = await api(ocpp(), 'PUT', '/api/v1/id-tags/ab12cd', { status: 'Blocked' });
      expect(blocked.status).toBe(200);
      expect(blocked.body).toMatchObject({ idTag: 'AB12CD', status: 'Blocked' });
      const rows: unknown[] = await ocpp().db.query(`SELECT 1 FROM id_tags WHERE lower(id_tag) = 'ab12cd'`);
      expect(rows).toHaveLength(1);
      const cp = await booted();
      expect((await send(cp, 'Authorize', { idTag: 'AB12CD' })).idTagInfo).toEqual({ status: 'Blocked' });
      expect((await api(ocpp(), 'GET', '/api/v1/id-tags/Ab12Cd')).body).toMatchObject({ idTag: 'AB12CD', status: 'Blocked' });
      expect((await api(ocpp(), 'DELETE', '/api/v1/id-tags/ab12CD')).status).toBe(204);
      expect((await api(ocpp(), 'GET', '/api/v1/id-tags/AB12CD')).status).toBe(404);
    });
  });

  describe('operator inputs are checked (400 with the field), never guessed at or left to the database', () => {
    it('a date-time without a time zone, a number or an odd string is refused, not read in the server zone or as epoch ms', async () => {
      for (const query of ['from=2024-01-01T00:00:00', 'to=12', 'from=1700000000000']) {
        const res = await api(ocpp(), 'GET', `/api/v1/transactions?${query}`);
        expect(res.status).toBe(400);
        expect(JSON.stringify(res.body.details)).toContain(query.split('=')[0]);
      }
      expect((await api(ocpp(), 'GET', `/api/v1/stations/CP-X/meter-values?from=2024-01-01`)).status).toBe(400);
      for (const expiryDate of [5, '2030-01-01T00:00', 'next year']) {
        const res = await api(ocpp(), 'PUT', '/api/v1/id-tags/EXP-CHECK', { expiryDate });
        expect(res.status).toBe(400);
        expect(JSON.stringify(res.body.details)).toContain('expiryDate');
      }
      expect((await api(ocpp(), 'GET', '/api/v1/id-tags/EXP-CHECK')).status).toBe(404);
      // With a zone, in either form, they are taken as the instant they name.
      const put = await api(ocpp(), 'PUT', '/api/v1/id-tags/EXP-CHECK', { expiryDate: '2030-01-01T01:00:00+01:00' });
      expect(put.body.expiryDate).toBe('2030-01-01T00:00:00.000Z');
      expect((await api(ocpp(), 'GET', `/api/v1/transactions?from=${encodeURIComponent('2024-01-01T00:00:00+08:00')}&to=2024-01-02T00:00:00Z`)).status).toBe(200);
    });

    it('numbers beyond what the database columns hold are a 400, not a 500', async () => {
      for (const path of ['/api/v1/stations/CP-X/meter-values?transactionId=3000000000', '/api/v1/transactions?offset=100000000000000000000', '/api/v1/id-tags?offset=99999999999']) {
        const res = await api(ocpp(), 'GET', path);
        expect({ path, status: res.status }).toEqual({ path, status: 400 });
      }
    });
  });

  describe('pagination', () => {
    it('a page past the end still reports the total', async () => {
      const cp = await booted();
      for (const connectorId of [1, 2]) await send(cp, 'StartTransaction', { connectorId, idTag: 'PAGE-TAG', meterStart: 0, timestamp: now() });
      expect((await api(ocpp(), 'GET', `/api/v1/transactions?stationId=${cp.identity}&offset=5`)).body).toEqual({ items: [], total: 2, offset: 5, limit: 100 });
      await api(ocpp(), 'PUT', '/api/v1/id-tags/PAGE-TAG', { status: 'Accepted' });
      const tags = await api(ocpp(), 'GET', '/api/v1/id-tags?offset=1000000');
      expect(tags.body.items).toEqual([]);
      expect(tags.body.total).toBeGreaterThan(0);
      const stations = await api(ocpp(), 'GET', '/api/v1/stations?offset=1000000');
      expect(stations.body.items).toEqual([]);
      expect(stations.body.total).toBeGreaterThan(0);
    });

    it('messages, rejected frames and remote starts honour offset instead of repeating the first page', async () => {
      const cp = await booted();
      cp.handle('RemoteStartTransaction', () => ({ status: 'Accepted' }));
      for (const messageId of ['m1', 'm2', 'm3']) await cp.call('DataTransfer', { vendorId: 'com.nobody', messageId });
      const page = await api(ocpp(), 'GET', `/api/v1/stations/${cp.identity}/messages?kind=DataTransfer&limit=1&offset=1`);
      expect(page.body.items.map((m: { payload: { messageId: string } }) => m.payload.messageId)).toEqual(['m2']);
      for (const idTag of ['RS-1', 'RS-2']) {
        expect((await api(ocpp(), 'POST', `/api/v1/stations/${cp.identity}/commands/RemoteStartTransaction`, { idTag, connectorId: 1 })).status).toBe(200);
      }
      const starts = await api(ocpp(), 'GET', `/api/v1/stations/${cp.identity}/remote-starts?limit=1&offset=1`);
      expect(starts.body.items.map((r: { idTag: string }) => r.idTag)).toEqual(['RS-1']);
      await ocpp().db.query(`INSERT INTO rejected_frames (station_id, raw, reason, received_at) VALUES ($1, 'a', 'x', now() - interval '1 minute'), ($1, 'b', 'x', now())`, [cp.identity]);
      const frames = await api(ocpp(), 'GET', `/api/v1/stations/${cp.identity}/rejected-frames?limit=1&offset=1`);
      expect(frames.body.items.map((f: { raw: string }) => f.raw)).toEqual(['a']);
    });
  });

  describe('local authorisation list', () => {
    it('a SendLocalList left unanswered makes the version unknown, not the old one shown as held', async () => {
      const cp = await booted();
      let answer = true;
      cp.handle('SendLocalList', () => (answer ? { status: 'Accepted' } : new Promise<never>(() => undefined)));
      const list = (listVersion: number) => ({ listVersion, updateType: 'Full', localAuthorizationList: [{ idTag: 'LL-1', idTagInfo: { status: 'Accepted' } }] });
      await api(ocpp(), 'POST', `/api/v1/stations/${cp.identity}/commands/SendLocalList`, list(3));
      expect((await api(ocpp(), 'GET', `/api/v1/stations/${cp.identity}`)).body.local_list).toMatchObject({ listVersion: 3, status: 'Accepted', entries: 1 });
      answer = false;
      const sent = await api(ocpp(), 'POST', `/api/v1/stations/${cp.identity}/commands/SendLocalList?timeoutMs=300`, list(4));
      expect(sent.status).toBe(504);
      // The charger may hold version 3 or 4: a Differential built on 3 would be wrong.
      expect((await api(ocpp(), 'GET', `/api/v1/stations/${cp.identity}`)).body.local_list).toMatchObject({ listVersion: null, status: 'TimedOut', entries: null });
    });
  });

  describe('ConcurrentTx after a StopTransaction the charger discarded', () => {
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
    const status = (connectorId: number, s: 'Available' | 'Charging', timestamp: string) => ({ connectorId, status: s, errorCode: 'NoError' as const, timestamp });

    it('a transaction whose connector since reported Available, or started another transaction, no longer makes its tag concurrent', async () => {
      for (const tag of ['GHOST-1', 'GHOST-2', 'LIVE-1']) await api(ocpp(), 'PUT', `/api/v1/id-tags/${tag}`, { status: 'Accepted' });
      const [a, b] = [await booted(), await booted()];
      // GHOST-1's stop was discarded; the connector went back to Available afterwards.
      await send(a, 'StartTransaction', { connectorId: 1, idTag: 'GHOST-1', meterStart: 0, timestamp: minutesAgo(120) });
      await send(a, 'StatusNotification', status(1, 'Available', minutesAgo(60)));
      expect((await send(b, 'Authorize', { idTag: 'GHOST-1' })).idTagInfo).toEqual({ status: 'Accepted' });
      expect((await send(b, 'StartTransaction', { connectorId: 1, idTag: 'GHOST-1', meterStart: 0, timestamp: minutesAgo(1) })).idTagInfo).toEqual({ status: 'Accepted' });
      // GHOST-2's stop was discarded; someone else has charged on that connector since.
      await send(a, 'StartTransaction', { connectorId: 2, idTag: 'GHOST-2', meterStart: 0, timestamp: minutesAgo(120) });
      await send(a, 'StartTransaction', { connectorId: 2, idTag: 'SOMEONE-ELSE', meterStart: 0, timestamp: minutesAgo(30) });
      expect((await send(b, 'Authorize', { idTag: 'GHOST-2' })).idTagInfo).toEqual({ status: 'Accepted' });
      // A session still charging is concurrent, and a start queued from before the connector freed up too.
      await send(a, 'StartTransaction', { connectorId: 3, idTag: 'LIVE-1', meterStart: 0, timestamp: minutesAgo(20) });
      await send(a, 'StatusNotification', status(3, 'Charging', minutesAgo(19)));
      expect((await send(b, 'Authorize', { idTag: 'LIVE-1' })).idTagInfo.status).toBe('ConcurrentTx');
      expect((await send(b, 'StartTransaction', { connectorId: 2, idTag: 'GHOST-1', meterStart: 0, timestamp: minutesAgo(90) })).idTagInfo.status).toBe('ConcurrentTx');
    });
  });
});
