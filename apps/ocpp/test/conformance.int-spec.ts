import { OCPI_TOKEN_AUTHORIZE_SUBJECT, Subjects, type OcpiCommandRequested } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually, testServers } from '@cpo/testing';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { api, RawClient, send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const boot = { chargePointVendor: 'Acme', chargePointModel: 'S1' };
const later = (ms: number) => new Date(Date.now() + ms).toISOString();

describe('OCPP 1.6 conformance walk (guide §5)', () => {
  let h: OcppHarness;
  let nc: NatsConnection;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp({ OCPP_REMOTE_AUTHORIZE_TIMEOUT_MS: '300', OCPP_REMOTE_START_TIMEOUT_S: '1' });
    nc = await connect({ servers: testServers.nats });
    // A stand-in for ocpi-hub: roaming tokens starting with EMSP- are allowed, others unknown.
    nc.subscribe(`${h.app.prefix}.${OCPI_TOKEN_AUTHORIZE_SUBJECT}`, {
      callback: (_e, msg) => {
        const req = JSON.parse(new TextDecoder().decode(msg.data)) as { uid: string };
        if (req.uid.startsWith('SLOW-')) return; // never answers: the timeout default applies
        msg.respond(JSON.stringify(req.uid.startsWith('EMSP-') ? { allowed: 'ALLOWED', authorizationReference: `ref-${req.uid}` } : { allowed: 'UNKNOWN' }));
      },
    });
    await nc.flush();
    await api(h, 'PUT', '/api/v1/id-tags/GOOD', { status: 'Accepted', parentIdTag: 'FLEET' });
    await api(h, 'PUT', '/api/v1/id-tags/OLD', { status: 'Accepted', expiryDate: '2020-01-01T00:00:00Z' });
    await api(h, 'PUT', '/api/v1/id-tags/BAD', { status: 'Blocked' });
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await nc.close();
    await h.close();
  });

  async function charger(setup?: (cp: ChargePoint16) => void, identity = uniqueStation()): Promise<ChargePoint16> {
    const cp = new ChargePoint16({ identity, url: h.wsUrl, reconnect: false });
    setup?.(cp);
    chargers.push(cp);
    void cp.start();
    await cp.waitOpen();
    return cp;
  }

  it('TC_023: Accepted (with parent), Expired, Blocked, unknown → Invalid; roaming tokens via ocpi-hub; ConcurrentTx', async () => {
    const cp = await charger();
    await send(cp, 'BootNotification', boot);
    expect((await send(cp, 'Authorize', { idTag: 'GOOD' })).idTagInfo).toEqual({ status: 'Accepted', parentIdTag: 'FLEET' });
    expect((await send(cp, 'Authorize', { idTag: 'OLD' })).idTagInfo).toMatchObject({ status: 'Expired' });
    expect((await send(cp, 'Authorize', { idTag: 'BAD' })).idTagInfo).toEqual({ status: 'Blocked' });
    expect((await send(cp, 'Authorize', { idTag: 'NOBODY' })).idTagInfo).toEqual({ status: 'Invalid' });
    expect((await send(cp, 'Authorize', { idTag: 'SLOW-1' })).idTagInfo).toEqual({ status: 'Invalid' });
    expect((await send(cp, 'Authorize', { idTag: 'EMSP-7' })).idTagInfo).toEqual({ status: 'Accepted', expiryDate: expect.any(String) });
    // The roaming authorisation reference follows the session.
    const started = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'EMSP-7', meterStart: 0, timestamp: new Date().toISOString() });
    const [tx] = await h.db.query(`SELECT authorization_reference FROM transactions WHERE transaction_id = $1`, [started.transactionId]);
    expect(tx.authorization_reference).toBe('ref-EMSP-7');
    // The same tag in a running transaction is ConcurrentTx; a refused tag still gets a transaction id (TC_023).
    expect((await send(cp, 'Authorize', { idTag: 'EMSP-7' })).idTagInfo.status).toBe('ConcurrentTx');
    const blocked = await send(cp, 'StartTransaction', { connectorId: 2, idTag: 'BAD', meterStart: 0, timestamp: new Date().toISOString() });
    expect(blocked).toEqual({ transactionId: expect.any(Number), idTagInfo: { status: 'Blocked' } });
  });

  it('TC_010/TC_012: remote start and stop through the operator API, linked to the transaction that follows', async () => {
    const cp = await charger((c) => {
      c.handle('RemoteStartTransaction', () => ({ status: 'Accepted' }));
      c.after('RemoteStartTransaction', async (req) => {
        await c.call('StartTransaction', { connectorId: req.connectorId ?? 1, idTag: req.idTag, meterStart: 10, timestamp: new Date().toISOString() });
      });
      c.handle('RemoteStopTransaction', () => ({ status: 'Accepted' }));
      c.after('RemoteStopTransaction', async (req) => {
        await c.call('StopTransaction', { transactionId: req.transactionId, meterStop: 510, timestamp: new Date().toISOString(), reason: 'Remote' });
      });
    });
    await send(cp, 'BootNotification', boot);
    const start = await api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/RemoteStartTransaction`, { idTag: 'GOOD', connectorId: 1 });
    expect(start.body).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
    expect(await eventually(async () => (await api(h, 'GET', `/api/v1/transactions?stationId=${cp.identity}&active=true`)).body.total === 1)).toBe(true);
    const running = (await api(h, 'GET', `/api/v1/transactions?stationId=${cp.identity}`)).body.items[0];
    expect(running).toMatchObject({ idTag: 'GOOD', connectorId: 1, meterStartWh: 10 });
    expect((await api(h, 'GET', `/api/v1/stations/${cp.identity}/remote-starts`)).body.items).toEqual([
      expect.objectContaining({ idTag: 'GOOD', connectorId: 1, status: 'Started', transactionId: running.transactionId }),
    ]);
    await api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/RemoteStopTransaction`, { transactionId: running.transactionId });
    expect(await eventually(async () => (await api(h, 'GET', `/api/v1/transactions?stationId=${cp.identity}&active=false`)).body.total === 1)).toBe(true);
    expect((await api(h, 'GET', `/api/v1/transactions?stationId=${cp.identity}`)).body.items[0]).toMatchObject({ energyWh: 500, stopReason: 'Remote' });
  });

  it('TC_011_2: a remote start the charger accepted but never started is reported as timed out', async () => {
    const cp = await charger((c) => c.handle('RemoteStartTransaction', () => ({ status: 'Accepted' })));
    await send(cp, 'BootNotification', boot);
    await api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/RemoteStartTransaction`, { idTag: 'GOOD', connectorId: 2 });
    expect(await eventually(async () => (await api(h, 'GET', `/api/v1/stations/${cp.identity}/remote-starts`)).body.items[0]?.status === 'TimedOut', 8000)).toBe(true);
  });

  it('TC_046/TC_048: a reservation is recorded with our id and used up by the StartTransaction that carries it', async () => {
    const cp = await charger((c) => {
      c.handle('ReserveNow', (req) => ({ status: req.connectorId === 2 ? 'Occupied' : 'Accepted' }));
      c.handle('CancelReservation', () => ({ status: 'Accepted' }));
    });
    await send(cp, 'BootNotification', boot);
    const reserved = await api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/ReserveNow`, { connectorId: 1, idTag: 'GOOD', expiryDate: later(600_000) });
    expect(reserved.body).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
    await api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/ReserveNow`, { connectorId: 2, idTag: 'GOOD', expiryDate: later(600_000) });
    const list = (await api(h, 'GET', `/api/v1/reservations?stationId=${cp.identity}`)).body.items;
    const accepted = list.find((r: { connectorId: number }) => r.connectorId === 1);
    expect(list.find((r: { connectorId: number }) => r.connectorId === 2).status).toBe('Occupied');
    const tx = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'GOOD', meterStart: 0, timestamp: new Date().toISOString(), reservationId: accepted.reservationId });
    const after = (await api(h, 'GET', `/api/v1/reservations?stationId=${cp.identity}`)).body.items.find((r: { reservationId: number }) => r.reservationId === accepted.reservationId);
    expect(after).toMatchObject({ status: 'Used', transactionId: tx.transactionId });
  });

  it('TC_042/TC_043: local list version kept per station', async () => {
    const cp = await charger((c) => {
      c.handle('SendLocalList', (req) => ({ status: req.updateType === 'Differential' && req.listVersion > 5 ? 'VersionMismatch' : 'Accepted' }));
      c.handle('GetLocalListVersion', () => ({ listVersion: 3 }));
    });
    await send(cp, 'BootNotification', boot);
    await api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/SendLocalList`, {
      listVersion: 3, updateType: 'Full', localAuthorizationList: [{ idTag: 'GOOD', idTagInfo: { status: 'Accepted' } }, { idTag: 'BAD', idTagInfo: { status: 'Blocked' } }],
    });
    expect((await api(h, 'GET', `/api/v1/stations/${cp.identity}`)).body.local_list).toMatchObject({ listVersion: 3, status: 'Accepted', entries: 2 });
    await api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/SendLocalList`, { listVersion: 9, updateType: 'Differential', localAuthorizationList: [{ idTag: 'BAD' }] });
    expect((await api(h, 'GET', `/api/v1/stations/${cp.identity}`)).body.local_list).toMatchObject({ listVersion: 3, status: 'VersionMismatch' });
  });

  it('Pending at boot: configuration and triggered messages allowed, other calls refused with SecurityError until accepted', async () => {
    const id = uniqueStation('PEND');
    await api(h, 'PUT', `/api/v1/stations/${id}`, { registrationStatus: 'Pending' });
    const cp = await charger((c) => {
      c.handle('TriggerMessage', () => ({ status: 'Accepted' }));
      c.handle('RemoteStartTransaction', () => ({ status: 'Accepted' }));
    }, id);
    expect(await send(cp, 'BootNotification', boot)).toMatchObject({ status: 'Pending', interval: 60 });
    expect(await cp.call('Heartbeat', {})).toMatchObject({ code: 'SecurityError' });
    expect((await api(h, 'POST', `/api/v1/stations/${id}/commands/RemoteStartTransaction`, { idTag: 'GOOD' })).body).toMatchObject({ code: 'NotAccepted' });
    await api(h, 'POST', `/api/v1/stations/${id}/commands/TriggerMessage`, { requestedMessage: 'StatusNotification' });
    expect(await send(cp, 'StatusNotification', { connectorId: 0, status: 'Available', errorCode: 'NoError' })).toEqual({});
    await api(h, 'PUT', `/api/v1/stations/${id}`, { registrationStatus: 'Accepted' });
    expect(await send(cp, 'BootNotification', boot)).toMatchObject({ status: 'Accepted', interval: 300 });
    expect(await send(cp, 'Heartbeat', {})).toHaveProperty('currentTime');
  });

  it('duplicate message ids: a replay gets the stored answer, the same id in flight or reused is a ProtocolError', async () => {
    const raw = await RawClient.open(`${h.wsUrl}/${uniqueStation('DUP')}`);
    try {
      // A boot is never replayed (a reboot, its answer carries the time): docs/ocpp.md "Message ids".
      expect(await raw.call('BootNotification', boot, 'id-0')).toEqual([3, 'id-0', expect.objectContaining({ status: 'Accepted' })]);
      const data = { vendorId: 'V', messageId: 'M', data: 'x' };
      const first = (await raw.call('DataTransfer', data, 'id-1')) as unknown[];
      raw.send([2, 'id-1', 'DataTransfer', data]);
      expect(await raw.answer()).toEqual(first);
      raw.send([2, 'id-1', 'Heartbeat', {}]);
      expect(await raw.answer()).toEqual([4, 'id-1', 'ProtocolError', expect.any(String), {}]);
      const start = { connectorId: 1, idTag: 'GOOD', meterStart: 0, timestamp: new Date().toISOString() };
      raw.send([2, 'id-2', 'StartTransaction', start]);
      raw.send([2, 'id-2', 'StartTransaction', start]);
      const answers = [await raw.answer(), await raw.answer()];
      expect(answers).toContainEqual([4, 'id-2', 'ProtocolError', expect.any(String), {}]);
      expect(answers).toContainEqual([3, 'id-2', expect.objectContaining({ transactionId: expect.any(Number) })]);
    } finally {
      raw.close();
    }
  });

  it('transaction messages are processed even when they break the schema; lenient per-station policy; stale statuses ignored', async () => {
    const cp = await charger();
    await send(cp, 'BootNotification', boot);
    // Celsius (errata spelling) and an unknown transaction id 0: acknowledged, stored, attached by connector.
    const start = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'GOOD', meterStart: 0, timestamp: '2026-11-23T09:00:00Z' });
    const mv = await cp.call('MeterValues', { connectorId: 1, transactionId: 0, meterValue: [{ timestamp: '2026-11-23T09:01:00', sampledValue: [{ value: '21.5', measurand: 'Temperature', unit: 'Celsius' }, { value: '12', extra: 1 } as never] }] }, { skipSchemaValidation: true });
    expect(mv).toEqual({});
    const rows = await h.db.query(`SELECT transaction_id, measurand, unit FROM meter_samples WHERE station_id = $1 ORDER BY id, sample`, [cp.identity]);
    expect(rows).toEqual([
      { transaction_id: start.transactionId, measurand: 'Temperature', unit: 'Celsius' },
      { transaction_id: start.transactionId, measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
    ]);
    // A model name over 20 characters: strict refuses, lenient processes.
    const long = { chargePointVendor: 'Acme', chargePointModel: 'A-very-long-model-name-23' };
    expect(await cp.call('BootNotification', long, { skipSchemaValidation: true })).toMatchObject({ code: 'FormationViolation' });
    await api(h, 'PUT', `/api/v1/stations/${cp.identity}`, { validationPolicy: 'lenient' });
    expect(await cp.call('BootNotification', long, { skipSchemaValidation: true })).toMatchObject({ status: 'Accepted' });
    // An older StatusNotification (queued offline) does not overwrite a newer one.
    await send(cp, 'StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: '2026-11-23T10:00:00Z' });
    await send(cp, 'StatusNotification', { connectorId: 1, status: 'Preparing', errorCode: 'NoError', timestamp: '2026-11-23T09:59:00Z' });
    const [connector] = await h.db.query(`SELECT status FROM connectors WHERE station_id = $1 AND connector_id = 1`, [cp.identity]);
    expect(connector.status).toBe('Charging');
    // A stop for a transaction we never saw is acknowledged and kept for reconciliation.
    expect(await send(cp, 'StopTransaction', { transactionId: 999_999, meterStop: 5, timestamp: new Date().toISOString() })).toEqual({});
    const orphans = await h.db.query(`SELECT count(*)::int AS n FROM station_messages WHERE station_id = $1 AND kind = 'OrphanStopTransaction'`, [cp.identity]);
    expect(orphans[0].n).toBe(1);
    expect(await eventually(() => h.events.of(Subjects.OcppConnectorStatus, cp.identity).length === 1)).toBe(true);
  });

  it('executes OCPI commands from ocpi-hub on our chargers and reports the results', async () => {
    const cp = await charger((c) => {
      c.handle('RemoteStartTransaction', () => ({ status: 'Accepted' }));
      c.handle('ReserveNow', () => ({ status: 'Accepted' }));
      c.handle('CancelReservation', () => ({ status: 'Accepted' }));
      c.handle('UnlockConnector', () => ({ status: 'UnlockFailed' }));
    });
    await send(cp, 'BootNotification', boot);
    const bus = h.app.app.get(EventPublisher);
    const request = (type: OcpiCommandRequested['type'], parameters: Record<string, unknown>, connectorId?: number) => {
      const commandId = crypto.randomUUID();
      return { commandId, publish: () => bus.publish(Subjects.OcpiCommandRequested, { commandId, type, stationId: cp.identity, connectorId, parameters, requestedAt: new Date().toISOString() }) };
    };
    const resultOf = async (commandId: string) => {
      await eventually(() => h.events.of(Subjects.OcpiCommandResult).some((e) => e['commandId'] === commandId));
      return h.events.of(Subjects.OcpiCommandResult).find((e) => e['commandId'] === commandId)?.['result'];
    };
    const start = request('START_SESSION', { token: { uid: 'GOOD' } }, 1);
    await start.publish();
    expect(await resultOf(start.commandId)).toBe('ACCEPTED');
    const reserve = request('RESERVE_NOW', { token: { uid: 'GOOD' }, expiry_date: later(600_000), reservation_id: 'OCPI-R-1' }, 1);
    await reserve.publish();
    expect(await resultOf(reserve.commandId)).toBe('ACCEPTED');
    const cancel = request('CANCEL_RESERVATION', { reservation_id: 'OCPI-R-1' });
    await cancel.publish();
    expect(await resultOf(cancel.commandId)).toBe('CANCELED_RESERVATION');
    const unlock = request('UNLOCK_CONNECTOR', {}, 1);
    await unlock.publish();
    expect(await resultOf(unlock.commandId)).toBe('FAILED');
    const tooLong = request('START_SESSION', { token: { uid: 'X'.repeat(30) } }, 1);
    await tooLong.publish();
    expect(await resultOf(tooLong.commandId)).toBe('REJECTED');
  });

  it('TC_064 and firmware/diagnostics: DataTransfer from an unknown vendor, status notifications stored', async () => {
    const cp = await charger();
    await send(cp, 'BootNotification', boot);
    expect(await send(cp, 'DataTransfer', { vendorId: 'com.example', messageId: 'x', data: '1' })).toEqual({ status: 'UnknownVendorId' });
    await send(cp, 'FirmwareStatusNotification', { status: 'Downloading' });
    await send(cp, 'DiagnosticsStatusNotification', { status: 'Uploaded' });
    const station = (await api(h, 'GET', `/api/v1/stations/${cp.identity}`)).body;
    expect(station).toMatchObject({ firmware_status: 'Downloading', diagnostics_status: 'Uploaded' });
  });
});
