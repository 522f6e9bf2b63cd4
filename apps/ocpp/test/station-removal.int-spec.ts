import { eventually } from '@cpo/testing';
import { TransactionsStopLostAt1766000007750 } from '../src/migrations/1766000007750-transactions-stop-lost-at.js';
import { api, ocppSuite, send, uniqueStation } from './harness.js';
import { onlineProfileCharger, planOn, smartChargingService } from './smart-charging-harness.js';

/**
 * DELETE /stations/{id} (station-removal.ts): what a deleted station leaves behind must not act on
 * the stations and drivers that remain, nor come back with a station created again under its id;
 * its sessions stay for billing.
 */
describe('station removal: sessions and reservations', () => {
  const { ocpp, booted, command } = ocppSuite({});
  const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it("a station deleted while charging does not lock its driver's card out of every other station; the session stays with its energy, stopLost", async () => {
    const h = ocpp();
    const [gone, other] = [uniqueStation('DEL'), uniqueStation('OTH')];
    const tag = `DT${Date.now() % 1e8}`;
    expect((await api(h, 'PUT', `/api/v1/id-tags/${tag}`, {})).status).toBe(201);
    const cp = await booted(gone);
    const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 1, idTag: tag, meterStart: 1000, timestamp: new Date().toISOString() });
    const reading = { timestamp: new Date().toISOString(), sampledValue: [{ value: '1600', measurand: 'Energy.Active.Import.Register' as const, unit: 'Wh' as const }] };
    await send(cp, 'MeterValues', { connectorId: 1, transactionId, meterValue: [reading] });
    const next = await booted(other);
    // Until the deletion, the session runs: its card is refused elsewhere.
    expect((await api(h, 'GET', `/api/v1/transactions?stationId=${gone}&active=true`)).body.total).toBe(1);
    expect(await send(next, 'Authorize', { idTag: tag })).toEqual({ idTagInfo: { status: 'ConcurrentTx' } });
    expect((await api(h, 'DELETE', `/api/v1/stations/${gone}`)).status).toBe(204);

    expect(await send(next, 'Authorize', { idTag: tag })).toEqual({ idTagInfo: { status: 'Accepted' } });
    const start = await send(next, 'StartTransaction', { connectorId: 1, idTag: tag, meterStart: 0, timestamp: new Date().toISOString() });
    expect(start.idTagInfo.status).toBe('Accepted');
    expect((await api(h, 'GET', `/api/v1/transactions?stationId=${gone}&active=true`)).body.total).toBe(0);
    const kept = (await api(h, 'GET', `/api/v1/transactions?stationId=${gone}&active=false`)).body.items;
    expect(kept).toEqual([expect.objectContaining({ transactionId, stopLost: true, energyWh: 600, stoppedAt: null })]);
    // A lost stop publishes nothing: no stop the charger never sent.
    await sleep(300);
    expect(h.events.of('ocpp.transaction.stopped', gone)).toEqual([]);
  }, 30_000);

  it("a station created again does not credit its readings without a transaction to the deleted station's session", async () => {
    const h = ocpp();
    const id = uniqueStation('DEL');
    let cp = await booted(id);
    const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 1, idTag: `RA${Date.now() % 1e8}`, meterStart: 0, timestamp: new Date().toISOString() });
    expect((await api(h, 'DELETE', `/api/v1/stations/${id}`)).status).toBe(204);
    await sleep(50);
    expect((await api(h, 'PUT', `/api/v1/stations/${id}`, {})).status).toBe(201);
    // The new unit's clock-aligned reading names no transaction, and its connector reported nothing yet.
    cp = await booted(id);
    const at = new Date().toISOString();
    await send(cp, 'MeterValues', { connectorId: 1, meterValue: [{ timestamp: at, sampledValue: [{ value: '230', measurand: 'Voltage' as const, unit: 'V' as const }] }] });
    const rows = (await h.db.query(`SELECT transaction_id FROM meter_readings WHERE station_id = $1 AND sampled_at = $2`, [id, at])) as { transaction_id: number | null }[];
    expect({ old: transactionId, credited: rows.map((r) => r.transaction_id) }).toEqual({ old: transactionId, credited: [null] });
  }, 30_000);

  it('a session whose stop was lost before the deletion keeps the end its connector gave it', async () => {
    const h = ocpp();
    const gone = uniqueStation('DEL');
    const cp = await booted(gone);
    const started = new Date().toISOString();
    await send(cp, 'StartTransaction', { connectorId: 1, idTag: `LS${Date.now() % 1e8}`, meterStart: 0, timestamp: started });
    await sleep(20);
    await send(cp, 'StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: new Date().toISOString() });
    await sleep(300);
    const between = new Date().toISOString();
    await sleep(300);
    expect((await api(h, 'DELETE', `/api/v1/stations/${gone}`)).status).toBe(204);
    // Over at its Available, not at the deletion: not running at an instant between the two.
    const window = (at: string) => `stationId=${gone}&activeFrom=${encodeURIComponent(at)}&activeTo=${encodeURIComponent(at)}`;
    expect((await api(h, 'GET', `/api/v1/transactions?${window(started)}`)).body.total).toBe(1);
    const q = window(between);
    expect((await api(h, 'GET', `/api/v1/transactions?${q}`)).body.total).toBe(0);
  }, 30_000);

  it("a deleted station's live reservation is cancelled: its id is free at the other stations and a station created again holds none", async () => {
    const h = ocpp();
    const [gone, other] = [uniqueStation('DEL'), uniqueStation('OTH')];
    await booted(gone, (c) => c.handle('ReserveNow', () => ({ status: 'Accepted' })));
    expect((await command(gone, 'ReserveNow', { connectorId: 1, expiryDate: inAnHour(), idTag: 'RSV-A' })).status).toBe(200);
    const { reservationId } = (await api(h, 'GET', `/api/v1/reservations?stationId=${gone}`)).body.items[0];
    expect((await api(h, 'DELETE', `/api/v1/stations/${gone}`)).status).toBe(204);
    await booted(other, (c) => c.handle('ReserveNow', () => ({ status: 'Accepted' })));
    expect(await command(other, 'ReserveNow', { connectorId: 1, expiryDate: inAnHour(), idTag: 'RSV-B', reservationId })).toMatchObject({ status: 200 });

    expect((await api(h, 'PUT', `/api/v1/stations/${gone}`, {})).status).toBe(201);
    const history = (await api(h, 'GET', `/api/v1/reservations?stationId=${gone}`)).body.items;
    expect(history).toEqual([expect.objectContaining({ reservationId, status: 'Cancelled' })]);
    expect(await eventually(async () => h.events.of('ocpp.reservation.updated', gone).some((e) => e['status'] === 'Cancelled'), 3_000)).toBe(true);
  }, 30_000);

  it('the migration ends the sessions stations deleted by the previous release left running', async () => {
    const h = ocpp();
    const [deleted, recreated, kept] = [uniqueStation('OLD'), uniqueStation('NEW'), uniqueStation('KEEP')];
    const insert = `INSERT INTO transactions (transaction_id, station_id, connector_id, id_tag, id_tag_status, meter_start_wh, started_at, created_at)
      VALUES (nextval('transaction_id_seq'), $1, 1, $2, 'Accepted', 0, now() - interval '1 hour', now() - interval '1 hour') RETURNING transaction_id`;
    const ids: number[] = [];
    for (const id of [deleted, recreated, kept]) ids.push(Number(((await h.db.query(insert, [id, `MG${id}`])) as { transaction_id: number }[])[0]!.transaction_id));
    await h.db.query(`INSERT INTO stations (id, created_at) VALUES ($1, now() - interval '10 minutes'), ($2, now() - interval '2 hours')`, [recreated, kept]);
    const runner = h.db.createQueryRunner();
    try {
      await new TransactionsStopLostAt1766000007750().up(runner);
    } finally {
      await runner.release();
    }
    const rows = (await h.db.query(`SELECT station_id, stop_lost_at, (SELECT created_at FROM stations WHERE id = station_id) AS created FROM transactions WHERE transaction_id = ANY($1)`, [
      ids,
    ])) as { station_id: string; stop_lost_at: Date | null; created: Date | null }[];
    const by = new Map(rows.map((r) => [r.station_id, r]));
    expect(by.get(deleted)!.stop_lost_at).not.toBeNull();
    expect(by.get(recreated)!.stop_lost_at).toEqual(by.get(recreated)!.created);
    expect(by.get(kept)!.stop_lost_at).toBeNull();
  }, 30_000);
});

describe('station removal: grid profiles', () => {
  const { h, chargers } = smartChargingService();

  it("a station created again under a deleted id shows none of the old charger's grid profiles as applied, nor keeps its lease fallbacks", async () => {
    // Stack levels: a lease with its fallback (lease_fallbacks) under the station cap.
    const { cp } = await onlineProfileCharger(h(), chargers, { NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '2' });
    const id = cp.identity;
    await (await planOn(h(), id, [[0, 20], [1, 16]])).pass;
    const applied = (await api(h(), 'GET', `/api/v1/stations/${id}/charging-profiles`)).body as { state: string }[];
    expect(applied.some((p) => p.state === 'applied')).toBe(true);
    const fallbacks = `SELECT count(*)::int AS n FROM lease_fallbacks WHERE station_id = $1`;
    expect(await eventually(async () => ((await h().db.query(fallbacks, [id])) as { n: number }[])[0]!.n > 0, 3_000)).toBe(true);
    expect((await api(h(), 'DELETE', `/api/v1/stations/${id}`)).status).toBe(204);
    expect((await api(h(), 'PUT', `/api/v1/stations/${id}`, {})).status).toBe(201);
    const after = (await api(h(), 'GET', `/api/v1/stations/${id}/charging-profiles`)).body as { state: string }[];
    expect(after.filter((p) => p.state === 'applied')).toEqual([]);
    const [left] = (await h().db.query(
      `SELECT (SELECT count(*) FROM charging_profiles WHERE station_id = $1)::int AS profiles, (SELECT count(*) FROM lease_fallbacks WHERE station_id = $1)::int AS fallbacks`,
      [id],
    )) as { profiles: number; fallbacks: number }[];
    expect(left).toEqual({ profiles: 0, fallbacks: 0 });
  }, 30_000);
});
