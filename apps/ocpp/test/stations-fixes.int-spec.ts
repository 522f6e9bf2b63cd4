import { Subjects } from '@cpo/contracts';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { OcppCallError, type Req16 } from '@cpo/ocpp-protocol';
import { eventually } from '@cpo/testing';
import { api, RawClient, send, startOcpp, uniqueStation, upgradeStatus, type OcppHarness } from './harness.js';

const boot = { chargePointVendor: 'Acme', chargePointModel: 'S1' };

describe('OCPP station fixes', () => {
  let h: OcppHarness;
  /** A second replica of `h` (same database and bus). */
  let b: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    // TLS behind a trusted proxy: profile 2 may be set (it needs TLS), plain ws still counts as plain.
    h = await startOcpp({ OCPP_CALL_TIMEOUT_MS: '2000', OCPP_TRUST_PROXY_TLS: 'true' });
    b = await startOcpp({ OCPP_CALL_TIMEOUT_MS: '2000', OCPP_TRUST_PROXY_TLS: 'true' }, h);
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await b.close();
    await h.close();
  });

  async function charger(setup: (cp: ChargePoint16) => void = () => undefined, identity = uniqueStation(), on: OcppHarness = h, basicAuthKey?: string) {
    const cp = new ChargePoint16({ identity, url: on.wsUrl, reconnect: false, basicAuthKey });
    setup(cp);
    chargers.push(cp);
    void cp.start();
    await cp.waitOpen();
    return cp;
  }

  it('a StatusNotification trigger without connectorId lets every connector through the Pending gate', async () => {
    const id = uniqueStation('PEND');
    await api(h, 'PUT', `/api/v1/stations/${id}`, { registrationStatus: 'Pending' });
    const cp = await charger((c) => c.handle('TriggerMessage', () => ({ status: 'Accepted' })), id);
    expect(await send(cp, 'BootNotification', boot)).toMatchObject({ status: 'Pending' });
    expect((await api(h, 'POST', `/api/v1/stations/${id}/commands/TriggerMessage`, { requestedMessage: 'StatusNotification' })).body).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
    for (const connectorId of [0, 1, 2]) {
      expect(await cp.call('StatusNotification', { connectorId, status: 'Available', errorCode: 'NoError' })).toEqual({});
    }
    const rows: { connector_id: number }[] = await h.db.query(`SELECT connector_id FROM connectors WHERE station_id = $1 ORDER BY connector_id`, [id]);
    expect(rows.map((r) => r.connector_id)).toEqual([0, 1, 2]);
    // Only what was triggered passes.
    expect(await cp.call('Heartbeat', {})).toMatchObject({ code: 'SecurityError' });
  });

  it('a trigger the charger refused opens nothing: an unrequested message of that kind still meets the Pending gate', async () => {
    const id = uniqueStation('PEND');
    await api(h, 'PUT', `/api/v1/stations/${id}`, { registrationStatus: 'Pending' });
    let answer: 'Rejected' | 'NotImplemented' = 'Rejected';
    const cp = await charger((c) => c.handle('TriggerMessage', () => ({ status: answer })), id);
    expect(await send(cp, 'BootNotification', boot)).toMatchObject({ status: 'Pending' });
    for (const refusal of ['Rejected', 'NotImplemented'] as const) {
      answer = refusal;
      expect((await api(h, 'POST', `/api/v1/stations/${id}/commands/TriggerMessage`, { requestedMessage: 'StatusNotification' })).body).toEqual({ status: 'ok', payload: { status: refusal } });
      expect(await cp.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' })).toMatchObject({ code: 'SecurityError' });
    }
  });

  /** Answers GetConfiguration with a CallError `failures` times, then with the keys. */
  function flakyConfiguration(cp: ChargePoint16, failures: number) {
    const reads: Req16<'GetConfiguration'>[] = [];
    cp.handle('GetConfiguration', (req) => {
      reads.push(req);
      if (reads.length <= failures) throw new OcppCallError('InternalError', 'configuration store busy', {});
      return { configurationKey: [{ key: 'NumberOfConnectors', value: '2', readonly: true }, { key: 'ChargeProfileMaxStackLevel', value: '3', readonly: true }] };
    });
    cp.handle('ChangeConfiguration', () => ({ status: 'NotSupported' }));
    return reads;
  }

  const capabilities = async (id: string) => (await api(h, 'GET', `/api/v1/stations/${id}`)).body.capabilities as Record<string, unknown>;

  it('onboarding whose configuration read failed runs again at the next unchanged boot', async () => {
    let reads: Req16<'GetConfiguration'>[] = [];
    const cp = await charger((c) => (reads = flakyConfiguration(c, 1)));
    await send(cp, 'BootNotification', boot);
    await eventually(() => reads.length === 1);
    await send(cp, 'BootNotification', boot);
    expect(await eventually(async () => (await capabilities(cp.identity))['numberOfConnectors'] === 2)).toBe(true);
    expect(reads).toHaveLength(2);
    expect(await capabilities(cp.identity)).toMatchObject({ numberOfConnectors: 2, chargeProfileMaxStackLevel: 3 });
    // Done now: a third unchanged boot reads nothing.
    await send(cp, 'BootNotification', boot);
    await send(cp, 'Heartbeat', {});
    expect(reads).toHaveLength(2);
  });

  it('onboarding whose configuration read failed runs again when the accepted station reconnects', async () => {
    let reads: Req16<'GetConfiguration'>[] = [];
    const first = await charger((c) => (reads = flakyConfiguration(c, 1)));
    await send(first, 'BootNotification', boot);
    await eventually(() => reads.length === 1);
    await first.stop();
    let again: Req16<'GetConfiguration'>[] = [];
    const second = await charger((c) => (again = flakyConfiguration(c, 0)), first.identity);
    expect(await eventually(async () => (await capabilities(second.identity))['numberOfConnectors'] === 2)).toBe(true);
    expect(again).toHaveLength(1);
  });

  it('a status stamped in the future does not freeze the connector: later statuses still win', async () => {
    const cp = await charger();
    await send(cp, 'BootNotification', boot);
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    expect(await send(cp, 'StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: inAnHour })).toEqual({});
    expect(await send(cp, 'StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' })).toEqual({});
    const [row] = await h.db.query(`SELECT status, status_at FROM connectors WHERE station_id = $1 AND connector_id = 1`, [cp.identity]);
    expect(row.status).toBe('Available');
    expect((row.status_at as Date).getTime()).toBeLessThanOrEqual(Date.now());
    expect(await eventually(() => h.events.of(Subjects.OcppConnectorStatus, cp.identity).length === 2)).toBe(true);
    expect(h.events.of(Subjects.OcppConnectorStatus, cp.identity).map((e) => e['status'])).toEqual(['Charging', 'Available']);
  });

  it('a lenient station\'s out-of-enum status is stored as sent and acknowledged; only contract-valid statuses are published', async () => {
    const id = uniqueStation('LEN');
    await api(h, 'PUT', `/api/v1/stations/${id}`, { validationPolicy: 'lenient' });
    const cp = await charger(() => undefined, id);
    await send(cp, 'BootNotification', boot);
    expect(await cp.call('StatusNotification', { connectorId: 1, status: 'Occupied' as never, errorCode: 'NoError' }, { skipSchemaValidation: true })).toEqual({});
    expect(await send(cp, 'StatusNotification', { connectorId: 2, status: 'Available', errorCode: 'NoError' })).toEqual({});
    const rows = await h.db.query(`SELECT connector_id, status FROM connectors WHERE station_id = $1 ORDER BY connector_id`, [id]);
    expect(rows).toEqual([
      { connector_id: 1, status: 'Occupied' },
      { connector_id: 2, status: 'Available' },
    ]);
    expect(await eventually(() => h.events.of(Subjects.OcppConnectorStatus, id).length === 1)).toBe(true);
    expect(h.events.of(Subjects.OcppConnectorStatus, id)).toEqual([expect.objectContaining({ connectorId: 2, status: 'Available' })]);
  });

  describe('operator changes reach the socket on another replica', () => {
    const longModel = { chargePointVendor: 'Acme', chargePointModel: 'M'.repeat(30) };

    it('validationPolicy lenient set through B applies to the charger connected to A', async () => {
      const cp = await charger();
      expect(await send(cp, 'BootNotification', boot)).toMatchObject({ status: 'Accepted' });
      expect(await cp.call('BootNotification', longModel, { skipSchemaValidation: true })).toMatchObject({ code: 'FormationViolation' });
      expect((await api(b, 'PUT', `/api/v1/stations/${cp.identity}`, { validationPolicy: 'lenient' })).status).toBe(200);
      expect(await eventually(async () => ((await cp.call('BootNotification', longModel, { skipSchemaValidation: true })) as { status?: string }).status === 'Accepted')).toBe(true);
    });

    it('a registration status withdrawn through B makes the session on A boot again', async () => {
      const cp = await charger();
      expect(await send(cp, 'BootNotification', boot)).toMatchObject({ status: 'Accepted' });
      expect((await api(b, 'PUT', `/api/v1/stations/${cp.identity}`, { registrationStatus: 'Pending' })).status).toBe(200);
      expect(await eventually(async () => ((await cp.call('Heartbeat', {})) as { code?: string }).code === 'SecurityError')).toBe(true);
      expect(await send(cp, 'BootNotification', boot)).toMatchObject({ status: 'Pending' });
    });

    it('DELETE through B closes the socket on A', async () => {
      const id = uniqueStation();
      const raw = await RawClient.open(`${h.wsUrl}/${id}`);
      try {
        expect(await raw.call('BootNotification', boot)).toMatchObject([3, expect.any(String), { status: 'Accepted' }]);
        expect((await api(b, 'DELETE', `/api/v1/stations/${id}`)).status).toBe(204);
        expect(await raw.closed).toMatchObject({ code: 4001 });
      } finally {
        raw.close();
      }
    });
  });

  describe('AuthorizationKey and SecurityProfile changes', () => {
    const basic = (id: string, key: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${key}`).toString('base64')}` });
    const oldKey = 'old-key-0123456789';
    const newKey = 'new-key-9876543210';

    /** A profile-1 station connected with `oldKey` whose ChangeConfiguration answers `status` and records the values. */
    async function secured(status: 'Accepted' | 'RebootRequired') {
      const id = uniqueStation('SEC');
      expect((await api(h, 'PUT', `/api/v1/stations/${id}`, { securityProfile: 1, password: oldKey })).status).toBe(201);
      const cp = await charger((c) => {
        c.handle('ChangeConfiguration', () => ({ status }));
        c.handle('GetConfiguration', () => ({ configurationKey: [{ key: 'AuthorizationKey', value: oldKey, readonly: false }, { key: 'NumberOfConnectors', value: '1', readonly: true }] }));
      }, id, h, oldKey);
      await send(cp, 'BootNotification', boot);
      return { id, cp };
    }

    const command = (id: string, action: string, payload: unknown) => api(h, 'POST', `/api/v1/stations/${id}/commands/${action}`, payload);

    it('a key changed as `authorizationkey` (any case) and Accepted switches the stored key; its value is never stored or shown', async () => {
      const { id } = await secured('Accepted');
      expect((await command(id, 'ChangeConfiguration', { key: 'authorizationkey', value: newKey })).body).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
      // A charger reporting the key in GetConfiguration: masked as well.
      expect((await command(id, 'GetConfiguration', {})).status).toBe(200);
      const station = await api(h, 'GET', `/api/v1/stations/${id}`);
      expect(JSON.stringify(station.body)).not.toContain(newKey);
      expect(JSON.stringify(station.body)).not.toContain(oldKey);
      expect(station.body.configuration).toMatchObject({ AuthorizationKey: { value: null } });
      const [row] = await h.db.query(`SELECT configuration::text AS c FROM stations WHERE id = $1`, [id]);
      expect(row.c).not.toContain(oldKey);
      expect(row.c).not.toContain(newKey);
      // Probes last: each replaces the charger's connection.
      expect(await upgradeStatus(`${h.wsUrl}/${id}`, 'ocpp1.6', basic(id, newKey))).toBe(101);
      expect(await upgradeStatus(`${h.wsUrl}/${id}`, 'ocpp1.6', basic(id, oldKey))).toBe(401);
    });

    it('a key answered RebootRequired: old and new are valid until the charger first uses the new one', async () => {
      const { id } = await secured('RebootRequired');
      expect((await command(id, 'ChangeConfiguration', { key: 'AuthorizationKey', value: newKey })).body).toEqual({ status: 'ok', payload: { status: 'RebootRequired' } });
      expect(await upgradeStatus(`${h.wsUrl}/${id}`, 'ocpp1.6', basic(id, oldKey))).toBe(101);
      expect(await upgradeStatus(`${h.wsUrl}/${id}`, 'ocpp1.6', basic(id, newKey))).toBe(101);
      expect(await upgradeStatus(`${h.wsUrl}/${id}`, 'ocpp1.6', basic(id, oldKey))).toBe(401);
      expect(await upgradeStatus(`${h.wsUrl}/${id}`, 'ocpp1.6', basic(id, newKey))).toBe(101);
    });

    it('a SecurityProfile raised to 2 and Accepted refuses a later plain ws connection (TC_083)', async () => {
      // The charger itself is connected over plain ws (profile 1).
      const { id } = await secured('Accepted');
      expect((await command(id, 'ChangeConfiguration', { key: 'SecurityProfile', value: '2' })).body).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
      expect(await upgradeStatus(`${h.wsUrl}/${id}`, 'ocpp1.6', basic(id, oldKey))).toBe(401);
      expect((await api(h, 'GET', `/api/v1/stations/${id}`)).body.security_profile).toBe(2);
    });
  });
});
