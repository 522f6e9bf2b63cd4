import { randomUUID } from 'node:crypto';
import { Subjects } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
import { api, ocppSuite, send } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HOUR = 3_600_000;
const uniqueTag = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`.toUpperCase();
/** Within a minute of now. */
const recent = (at: unknown): boolean => {
  const ms = at instanceof Date ? at.getTime() : Date.parse(String(at));
  return ms > Date.now() - 60_000 && ms <= Date.now() + 1000;
};

/**
 * A charger whose clock runs three hours behind (its local time sent with `Z`, west of Greenwich):
 * once its connection has seen its clock over a minute, a message sent as it happened is at its
 * stamp corrected by the offset. Before, the start was three hours early: not linked to the remote
 * start that caused it (stamped before the request), and, the clock corrected by NTP before the
 * stop, the session was stored and billed three hours long.
 */
describe('a charger clock hours behind (connection clock offset)', () => {
  const { ocpp, booted, command } = ocppSuite();
  const remoteStarts = async (id: string) => (await api(ocpp(), 'GET', `/api/v1/stations/${id}/remote-starts`)).body.items as Record<string, unknown>[];
  const transaction = async (id: number) =>
    ((await ocpp().db.query(`SELECT started_at, stopped_at FROM transactions WHERE transaction_id = $1`, [id])) as { started_at: Date; stopped_at: Date | null }[])[0]!;

  it('links the remote start, starts the session at its true time and, the clock corrected during it, stores and publishes it seconds long; retries are the same start and stop', async () => {
    const idTag = uniqueTag('BEHIND');
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${idTag}`, { status: 'Accepted' });
    const cp = await booted(undefined, (c) => c.handle('RemoteStartTransaction', () => ({ status: 'Accepted' as const })));
    const behind = () => new Date(Date.now() - 3 * HOUR).toISOString();
    const status = (s: 'Available' | 'Preparing') => send(cp, 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: s, timestamp: behind() });
    // Its statuses over a minute show the clock.
    await status('Available');
    await sleep(31_000);
    await status('Available');
    await sleep(31_000);
    expect((await command(cp.identity, 'RemoteStartTransaction', { idTag, connectorId: 1 })).body.payload).toEqual({ status: 'Accepted' });
    await status('Preparing');
    const start = { connectorId: 1, idTag, meterStart: 1000, timestamp: behind() };
    const { transactionId } = await send(cp, 'StartTransaction', start);
    expect(await remoteStarts(cp.identity)).toEqual([expect.objectContaining({ status: 'Started', transactionId })]);
    const started = await transaction(transactionId);
    expect(recent(started.started_at)).toBe(true);
    await sleep(1100);
    expect((await send(cp, 'StartTransaction', { ...start })).transactionId).toBe(transactionId);

    // A session on connector 2 whose stop is lost: its start corrected, the charger's statuses still
    // stamped by the clock behind; the Available after it ends it (compared with the start as sent).
    const lostTag = uniqueTag('BEHIND-LOST');
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${lostTag}`, { status: 'Accepted' });
    const lost = await send(cp, 'StartTransaction', { connectorId: 2, idTag: lostTag, meterStart: 0, timestamp: behind() });
    expect(recent((await transaction(lost.transactionId)).started_at)).toBe(true);
    await send(cp, 'StatusNotification', { connectorId: 2, errorCode: 'NoError', status: 'Charging', timestamp: behind() });
    await send(cp, 'StatusNotification', { connectorId: 2, errorCode: 'NoError', status: 'Available', timestamp: behind() });
    const page = (await api(ocpp(), 'GET', `/api/v1/transactions?stationId=${cp.identity}`)).body;
    expect(page.items.find((t: Record<string, unknown>) => t['transactionId'] === lost.transactionId)).toMatchObject({ stopLost: true });
    // A reading corrected too, its answer lost (resent below).
    const reading = { connectorId: 2, transactionId: lost.transactionId, meterValue: [{ timestamp: behind(), sampledValue: [{ value: '700' }] }] };
    await send(cp, 'MeterValues', reading);
    const readings = async () => (await ocpp().db.query(`SELECT sampled_at FROM meter_readings WHERE station_id = $1`, [cp.identity])) as { sampled_at: Date }[];
    expect(recent((await readings())[0]!.sampled_at)).toBe(true);

    // NTP corrects the clock: the stop is stamped right.
    const stop = { transactionId, idTag, meterStop: 1500, timestamp: new Date().toISOString(), reason: 'Local' as const };
    await send(cp, 'StopTransaction', stop);
    const stored = await transaction(transactionId);
    const lasted = stored.stopped_at!.getTime() - stored.started_at.getTime();
    expect(lasted).toBeGreaterThanOrEqual(0);
    expect(lasted).toBeLessThan(10_000);
    expect(await eventually(() => ocpp().events.of(Subjects.OcppTransactionStopped, cp.identity).length === 1)).toBe(true);
    const published = ocpp().events.of(Subjects.OcppTransactionStarted, cp.identity)[0]!;
    expect(Date.parse(String(published['startedAt']))).toBe(stored.started_at.getTime());
    await send(cp, 'StopTransaction', { ...stop });
    expect(await ocpp().db.query(`SELECT 1 FROM station_messages WHERE station_id = $1 AND kind = 'OrphanStopTransaction'`, [cp.identity])).toHaveLength(0);
    // Resent on a new connection, whose offset is not established: found by its stamp as sent.
    await cp.stop();
    const again = await booted(cp.identity);
    expect((await send(again, 'StartTransaction', { ...start })).transactionId).toBe(transactionId);
    expect(await ocpp().db.query(`SELECT 1 FROM transactions WHERE station_id = $1 AND connector_id = 1`, [cp.identity])).toHaveLength(1);
    await send(again, 'MeterValues', reading);
    expect(await readings()).toHaveLength(1);
  }, 120_000);
});
