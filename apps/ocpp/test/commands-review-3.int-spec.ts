import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { api, send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

describe('operator commands (third review)', () => {
  let a: OcppHarness;
  let b: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    a = await startOcpp({ OCPP_CALL_TIMEOUT_MS: '1500' });
    b = await startOcpp({ OCPP_CALL_TIMEOUT_MS: '1500' }, a);
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  async function online(h: OcppHarness, setup: (cp: ChargePoint16) => void = () => undefined): Promise<ChargePoint16> {
    const cp = new ChargePoint16({ identity: uniqueStation('R3'), url: h.wsUrl, reconnect: false });
    setup(cp);
    chargers.push(cp);
    void cp.start();
    await cp.waitOpen();
    await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' });
    return cp;
  }

  describe("a charger's answer larger than the bus carries (NATS max_payload, 1 MiB by default; a frame may be 4 MB)", () => {
    const big = 'x'.repeat(1_300_000);

    it('through the replica holding the socket: the answer itself', async () => {
      const cp = await online(a, (c) => c.handle('DataTransfer', () => ({ status: 'Accepted', data: big })));
      const res = await api(a, 'POST', `/api/v1/stations/${cp.identity}/commands/DataTransfer`, { vendorId: 'Acme' });
      expect(res.status).toBe(200);
      expect(res.body.payload.data).toHaveLength(big.length);
    });

    it('through another replica: a typed CentralSystemError at once, not a Timeout after the whole wait; the holding replica keeps serving', async () => {
      const cp = await online(a, (c) => c.handle('DataTransfer', () => ({ status: 'Accepted', data: big })));
      const started = Date.now();
      const res = await api(b, 'POST', `/api/v1/stations/${cp.identity}/commands/DataTransfer?timeoutMs=3000`, { vendorId: 'Acme' });
      const took = Date.now() - started;
      // The charger answered (it may have acted): the outcome is unknown to the caller, not a refusal.
      expect(res).toMatchObject({ status: 500, body: { status: 'error', code: 'CentralSystemError', description: expect.stringContaining('max_payload'), mayHaveActed: true } });
      // Without the fix the reply was never sent: the requester waited the call timeout plus the bus margin (8 s).
      expect(took).toBeLessThan(3000);
      // The next command still travels the same way.
      cp.handle('ClearCache', () => ({ status: 'Accepted' }));
      expect(await api(b, 'POST', `/api/v1/stations/${cp.identity}/commands/ClearCache`, {})).toMatchObject({ status: 200, body: { status: 'ok', payload: { status: 'Accepted' } } });
    });
  });

  describe('file transfers: what the OCA schema types only as integers and date-times', () => {
    it('a negative retries / retryInterval or a window ending before it starts is a 400 naming the field, never sent, nothing recorded; in bulk refused whole', async () => {
      let got = 0;
      const cp = await online(a, (c) => c.handle('GetDiagnostics', () => (got++, { fileName: 'diag.zip' })));
      const base = `/api/v1/stations/${cp.identity}/commands`;
      const negative = await api(a, 'POST', `${base}/GetDiagnostics`, { location: 'ftp://up.example.com/diag', retries: -1 });
      expect(negative).toMatchObject({ status: 400, body: { code: 'InvalidRequest', details: { errors: [expect.objectContaining({ path: '/retries' })] } } });
      const window = { location: 'ftp://up.example.com/diag', startTime: '2026-12-02T00:00:00Z', stopTime: '2026-12-01T00:00:00Z' };
      expect(await api(b, 'POST', `${base}/GetDiagnostics`, window)).toMatchObject({ status: 400, body: { details: { errors: [expect.objectContaining({ path: '/stopTime' })] } } });
      const bulk = await api(a, 'POST', '/api/v1/commands/bulk', { stationIds: [cp.identity], action: 'UpdateFirmware', payload: { location: 'https://fw.example.com/a.bin', retrieveDate: new Date().toISOString(), retryInterval: -60 } });
      expect(bulk).toMatchObject({ status: 400, body: { message: expect.stringContaining('/retryInterval') } });
      expect(got).toBe(0);
      const station = await api(a, 'GET', `/api/v1/stations/${cp.identity}`);
      expect(station.body).toMatchObject({ diagnostics_request: null, firmware_request: null });
      // A valid request still goes.
      expect(await api(a, 'POST', `${base}/GetDiagnostics`, { ...window, stopTime: '2026-12-03T00:00:00Z', retries: 0 })).toMatchObject({ status: 200, body: { payload: { fileName: 'diag.zip' } } });
    });
  });

  describe('timeoutMs of a single command', () => {
    it('a bad value is a 400 naming timeoutMs in its details, as every other field', async () => {
      const cp = await online(a);
      for (const bad of ['abc', '0', '300001']) {
        const res = await api(a, 'POST', `/api/v1/stations/${cp.identity}/commands/ClearCache?timeoutMs=${bad}`, {});
        expect({ bad, status: res.status, details: res.body.details }).toEqual({ bad, status: 400, details: { timeoutMs: expect.any(String) } });
      }
    });
  });

  describe('bulk request size', () => {
    it('10,000 station ids (the documented maximum) of up to 48 characters are read, not refused as too large (413)', async () => {
      const stationIds = Array.from({ length: 10_000 }, (_, i) => `${'B'.repeat(40)}-${String(i).padStart(6, '0')}`);
      // An invalid payload: the request is refused whole (400) once read, so no station gets anything.
      const res = await api(a, 'POST', '/api/v1/commands/bulk', { stationIds, action: 'ChangeAvailability', payload: { connectorId: 1, type: 'Sometimes' } });
      expect(res).toMatchObject({ status: 400, body: { message: expect.stringContaining('/type') } });
    });
  });
});
