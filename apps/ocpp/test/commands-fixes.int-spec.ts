import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { OcppCallError, type CsAction16 } from '@cpo/ocpp-protocol';
import { api, send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const boot = { chargePointVendor: 'Acme', chargePointModel: 'S1' };
const later = (ms: number) => new Date(Date.now() + ms).toISOString();

interface Reservation {
  reservationId: number;
  stationId: string;
  idTag: string;
  status: string;
}

describe('operator commands: checked before recorded; bulk, local lists and reservations', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp({ OCPP_CALL_TIMEOUT_MS: '2000' });
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await h.close();
  });

  /** A booted charger; `calls` lists every CS→CP action it received. */
  async function charger(setup: (cp: ChargePoint16) => void, identity = uniqueStation()) {
    const cp = new ChargePoint16({ identity, url: h.wsUrl, reconnect: false });
    const calls: CsAction16[] = [];
    cp.on('frame', (direction: 'in' | 'out', text: string) => {
      const frame = JSON.parse(text) as unknown[];
      if (direction === 'in' && frame[0] === 2) calls.push(frame[2] as CsAction16);
    });
    setup(cp);
    chargers.push(cp);
    void cp.start();
    await cp.waitOpen();
    return { cp, calls };
  }

  async function booted(setup: (cp: ChargePoint16) => void) {
    const c = await charger(setup);
    await send(c.cp, 'BootNotification', boot);
    return c;
  }

  /** Counts the calls of `action` the charger got (its handler runs once per call). */
  function counting(cp: ChargePoint16, action: 'ReserveNow' | 'RemoteStartTransaction' | 'CancelReservation' | 'ClearCache', answer: object): { count: number } {
    const seen = { count: 0 };
    cp.handle(action, () => (seen.count++, answer as never));
    return seen;
  }

  const command = (stationId: string, action: string, payload: unknown, query = '') => api(h, 'POST', `/api/v1/stations/${stationId}/commands/${action}${query}`, payload);
  const reservations = async (stationId: string): Promise<Reservation[]> => (await api(h, 'GET', `/api/v1/reservations?stationId=${stationId}`)).body.items;
  const localList = async (stationId: string) => (await api(h, 'GET', `/api/v1/stations/${stationId}`)).body.local_list;

  it('an invalid ReserveNow changes no stored reservation', async () => {
    let reserve = 0;
    const { cp } = await booted((c) => c.handle('ReserveNow', () => (reserve++, { status: 'Accepted' })));
    const id = 1_000_005;
    expect((await command(cp.identity, 'ReserveNow', { connectorId: 1, expiryDate: later(600_000), idTag: 'GOOD', reservationId: id })).body).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
    const bad = await command(cp.identity, 'ReserveNow', { connectorId: 1, expiryDate: later(600_000), idTag: 'X'.repeat(21), reservationId: id });
    expect(bad).toMatchObject({ status: 400, body: { code: 'InvalidRequest' } });
    expect(await reservations(cp.identity)).toEqual([expect.objectContaining({ reservationId: id, idTag: 'GOOD', status: 'Accepted' })]);
    const huge = await command(cp.identity, 'ReserveNow', { connectorId: 1, expiryDate: later(600_000), idTag: 'GOOD', reservationId: 2 ** 40 });
    expect(huge).toMatchObject({ status: 400, body: { code: 'InvalidRequest', details: { errors: [expect.objectContaining({ path: '/reservationId' })] } } });
    expect(await reservations(cp.identity)).toEqual([expect.objectContaining({ reservationId: id, idTag: 'GOOD', status: 'Accepted' })]);
    expect(reserve).toBe(1);
  });

  it('an invalid RemoteStartTransaction records no remote start and never reaches the charger', async () => {
    const { cp, calls } = await booted((c) => c.handle('RemoteStartTransaction', () => ({ status: 'Accepted' })));
    const profile = (extra: object) => ({
      chargingProfileId: 1, stackLevel: 0, chargingProfileKind: 'Relative', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] }, ...extra,
    });
    const invalid: [object, string][] = [
      [{ idTag: 'Y'.repeat(25), connectorId: 1 }, '/idTag'],
      [{ idTag: 'A', connectorId: 0 }, '/connectorId'],
      [{ idTag: 'A', connectorId: 1, chargingProfile: profile({ chargingProfilePurpose: 'TxDefaultProfile' }) }, '/chargingProfile/chargingProfilePurpose'],
      [{ idTag: 'A', connectorId: 1, chargingProfile: profile({ chargingProfilePurpose: 'TxProfile', transactionId: 9 }) }, '/chargingProfile/transactionId'],
    ];
    for (const [payload, path] of invalid) {
      const reply = await command(cp.identity, 'RemoteStartTransaction', payload);
      expect(reply).toMatchObject({ status: 400, body: { code: 'InvalidRequest', details: { errors: [expect.objectContaining({ path })] } } });
    }
    expect((await api(h, 'GET', `/api/v1/stations/${cp.identity}/remote-starts`)).body.items).toEqual([]);
    expect(calls).not.toContain('RemoteStartTransaction');
    // The same request done right goes out and is tracked.
    const good = await command(cp.identity, 'RemoteStartTransaction', { idTag: 'A', connectorId: 1, chargingProfile: profile({ chargingProfilePurpose: 'TxProfile', chargingProfileId: 7 }) });
    expect(good.body).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
    expect((await api(h, 'GET', `/api/v1/stations/${cp.identity}/remote-starts`)).body.items).toEqual([expect.objectContaining({ idTag: 'A' })]);
  });

  it('a RemoteStartTransaction the charger refuses with a CallError is Failed at once, not left to time out as accepted', async () => {
    const { cp } = await booted((c) =>
      c.handle('RemoteStartTransaction', () => {
        throw new OcppCallError('InternalError', 'relay stuck');
      }),
    );
    const reply = await command(cp.identity, 'RemoteStartTransaction', { idTag: 'CE', connectorId: 1 });
    expect(reply.body).toMatchObject({ status: 'error', code: 'InternalError' });
    expect((await api(h, 'GET', `/api/v1/stations/${cp.identity}/remote-starts`)).body.items).toEqual([expect.objectContaining({ idTag: 'CE', status: 'Failed' })]);
  });

  it('an invalid TriggerMessage opens no window through the Pending gate', async () => {
    const id = uniqueStation('PEND');
    await api(h, 'PUT', `/api/v1/stations/${id}`, { registrationStatus: 'Pending' });
    const { cp } = await charger((c) => c.handle('TriggerMessage', () => ({ status: 'Accepted' })), id);
    expect(await send(cp, 'BootNotification', boot)).toMatchObject({ status: 'Pending' });
    const bad = await command(id, 'TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 'one' });
    expect(bad).toMatchObject({ status: 400, body: { code: 'InvalidRequest' } });
    expect(await cp.call('StatusNotification', { connectorId: 0, status: 'Available', errorCode: 'NoError' })).toMatchObject({ code: 'SecurityError' });
  });

  it('bulk: an invalid station id is a 400 naming it, before any station got the command', async () => {
    const { cp, calls } = await booted((c) => c.handle('ClearCache', () => ({ status: 'Accepted' })));
    for (const bad of ['', 'a/b', 'x'.repeat(49)]) {
      const res = await api(h, 'POST', '/api/v1/commands/bulk', { stationIds: [cp.identity, bad], action: 'ClearCache', payload: {} });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.details)).toContain('stationIds[1]');
    }
    expect(calls).not.toContain('ClearCache');
    const single = await command('x'.repeat(49), 'ClearCache', {});
    expect(single).toMatchObject({ status: 400, body: { code: 'InvalidRequest', details: { stationId: expect.any(String) } } });
    const ok = await api(h, 'POST', '/api/v1/commands/bulk', { stationIds: [cp.identity], action: 'ClearCache', payload: {} });
    expect(ok.body.results).toEqual([{ stationId: cp.identity, status: 'ok', payload: { status: 'Accepted' } }]);
  });

  describe('local list version and size (guide §2.4)', () => {
    const full = (listVersion: number, tags: string[]) => ({ listVersion, updateType: 'Full', localAuthorizationList: tags.map((idTag) => ({ idTag, idTagInfo: { status: 'Accepted' } })) });

    it("a station's first SendLocalList refused stores no version", async () => {
      const { cp } = await booted((c) => c.handle('SendLocalList', () => ({ status: 'Failed' })));
      expect((await command(cp.identity, 'SendLocalList', full(3, ['GOOD', 'BAD']))).body).toEqual({ status: 'ok', payload: { status: 'Failed' } });
      expect(await localList(cp.identity)).toMatchObject({ listVersion: null, entries: null, status: 'Failed' });
    });

    it('an accepted Differential moves the version (and, its entries known, the size); a refused one moves nothing', async () => {
      const { cp } = await booted((c) => c.handle('SendLocalList', (req) => ({ status: req.listVersion > 5 ? 'VersionMismatch' : 'Accepted' })));
      await command(cp.identity, 'SendLocalList', full(3, ['GOOD', 'BAD']));
      expect(await localList(cp.identity)).toMatchObject({ listVersion: 3, entries: 2, status: 'Accepted', updateType: 'Full' });
      await command(cp.identity, 'SendLocalList', { listVersion: 4, updateType: 'Differential', localAuthorizationList: [{ idTag: 'NEW', idTagInfo: { status: 'Accepted' } }] });
      // The Full list's entries are stored (local_list_entries): the Differential's size is counted.
      expect(await localList(cp.identity)).toMatchObject({ listVersion: 4, entries: 3, status: 'Accepted', updateType: 'Differential' });
      await command(cp.identity, 'SendLocalList', { listVersion: 9, updateType: 'Differential', localAuthorizationList: [{ idTag: 'BAD' }] });
      expect(await localList(cp.identity)).toMatchObject({ listVersion: 4, entries: 3, status: 'VersionMismatch' });
    });

    it('GetLocalListVersion keeps the known size of the version it reports', async () => {
      let reported = 3;
      const { cp } = await booted((c) => {
        c.handle('SendLocalList', () => ({ status: 'Accepted' }));
        c.handle('GetLocalListVersion', () => ({ listVersion: reported }));
      });
      await command(cp.identity, 'SendLocalList', full(3, ['GOOD', 'BAD']));
      await command(cp.identity, 'GetLocalListVersion', {});
      expect(await localList(cp.identity)).toMatchObject({ listVersion: 3, entries: 2, status: 'Reported' });
      // Someone else changed the list: its size is not ours to know.
      reported = 7;
      await command(cp.identity, 'GetLocalListVersion', {});
      expect(await localList(cp.identity)).toMatchObject({ listVersion: 7, entries: null });
      reported = 0;
      await command(cp.identity, 'GetLocalListVersion', {});
      expect(await localList(cp.identity)).toMatchObject({ listVersion: 0, entries: 0 });
    });
  });

  describe('reservations (guide §2.5)', () => {
    it("another station's explicit id never replaces a reservation; an allocated id skips explicit ids held", async () => {
      const one = await booted(() => undefined);
      const reserveOne = counting(one.cp, 'ReserveNow', { status: 'Accepted' });
      const two = await booted(() => undefined);
      const reserveTwo = counting(two.cp, 'ReserveNow', { status: 'Accepted' });
      await command(one.cp.identity, 'ReserveNow', { connectorId: 1, expiryDate: later(600_000), idTag: 'GOOD' });
      const [allocated] = await reservations(one.cp.identity);
      expect(allocated).toMatchObject({ stationId: one.cp.identity, status: 'Accepted' });

      const taken = await command(two.cp.identity, 'ReserveNow', { connectorId: 1, expiryDate: later(600_000), idTag: 'OTHER', reservationId: allocated!.reservationId });
      expect(taken).toMatchObject({ status: 409, body: { code: 'Conflict', details: { reservationId: expect.any(String) } } });
      expect(reserveTwo.count).toBe(0);
      expect(await reservations(one.cp.identity)).toEqual([expect.objectContaining({ reservationId: allocated!.reservationId, idTag: 'GOOD', status: 'Accepted' })]);
      expect(await reservations(two.cp.identity)).toEqual([]);

      // The id the sequence hands out next, held at another station: allocation skips it.
      const explicit = allocated!.reservationId + 1;
      expect((await command(two.cp.identity, 'ReserveNow', { connectorId: 1, expiryDate: later(600_000), idTag: 'OTHER', reservationId: explicit })).status).toBe(200);
      await command(one.cp.identity, 'ReserveNow', { connectorId: 2, expiryDate: later(600_000), idTag: 'GOOD' });
      const ids = (await reservations(one.cp.identity)).map((r) => r.reservationId);
      expect(ids).toHaveLength(2);
      expect(ids).not.toContain(explicit);
      expect(new Set(ids).size).toBe(2);
      expect(reserveOne.count).toBe(2);
      expect(await reservations(two.cp.identity)).toEqual([expect.objectContaining({ reservationId: explicit, status: 'Accepted' })]);
    });

    it("a CancelReservation touches only its own station's reservation, and never a used one", async () => {
      const one = await booted((c) => c.handle('CancelReservation', () => ({ status: 'Accepted' })));
      counting(one.cp, 'ReserveNow', { status: 'Accepted' });
      const two = await booted((c) => c.handle('CancelReservation', () => ({ status: 'Accepted' })));
      await command(one.cp.identity, 'ReserveNow', { connectorId: 1, expiryDate: later(600_000), idTag: 'GOOD' });
      const [mine] = await reservations(one.cp.identity);
      await command(two.cp.identity, 'CancelReservation', { reservationId: mine!.reservationId });
      expect((await reservations(one.cp.identity))[0]).toMatchObject({ status: 'Accepted' });

      await send(one.cp, 'StartTransaction', { connectorId: 1, idTag: 'GOOD', meterStart: 0, timestamp: new Date().toISOString(), reservationId: mine!.reservationId });
      await command(one.cp.identity, 'CancelReservation', { reservationId: mine!.reservationId });
      expect((await reservations(one.cp.identity))[0]).toMatchObject({ status: 'Used' });
    });

    it('a ReserveNow without an answer ends Failed or TimedOut, not Requested; past expiryDate reads Expired', async () => {
      const { cp } = await booted((c) =>
        c.handle('ReserveNow', (req) => {
          if (req.connectorId === 1) throw new OcppCallError('GenericError', 'no', {});
          if (req.connectorId === 2) return new Promise<never>(() => undefined);
          return { status: 'Accepted' };
        }),
      );
      expect(await command(cp.identity, 'ReserveNow', { connectorId: 1, expiryDate: later(600_000), idTag: 'GOOD', reservationId: 2_000_001 })).toMatchObject({ status: 502 });
      // Accepted, then its expiry passes: the reservation is over, whatever was stored. (An expiry
      // already past is refused before sending, so this one is a moment ahead and waited for.)
      const expiryDate = later(1_500);
      expect((await command(cp.identity, 'ReserveNow', { connectorId: 3, expiryDate, idTag: 'GOOD', reservationId: 2_000_003 })).body).toMatchObject({ payload: { status: 'Accepted' } });
      // Last: the simulator answers calls in order, and this one never.
      expect(await command(cp.identity, 'ReserveNow', { connectorId: 2, expiryDate: later(600_000), idTag: 'GOOD', reservationId: 2_000_002 }, '?timeoutMs=300')).toMatchObject({ status: 504 });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(expiryDate) - Date.now() + 50)));
      const byId = Object.fromEntries((await reservations(cp.identity)).map((r) => [r.reservationId, r.status]));
      expect(byId).toEqual({ 2000001: 'Failed', 2000002: 'TimedOut', 2000003: 'Expired' });
    });
  });
});
