import { randomUUID } from 'node:crypto';
import { Subjects } from '@cpo/contracts';
import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { api, ocppSuite, readOnlyConfiguration, send } from './harness.js';

const uniqueTag = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`.toUpperCase();
const at = () => new Date().toISOString();

/**
 * A StartTransaction after our remote-start timeout is the remote start's only while the charger
 * still waited for the cable: its own ConnectionTimeOut when it reported one (review).
 */
describe('a late StartTransaction and the charger\'s ConnectionTimeOut (review)', () => {
  const { ocpp, booted, command } = ocppSuite({ OCPP_REMOTE_START_TIMEOUT_S: '2' });
  const remoteStarts = async (id: string) => (await api(ocpp(), 'GET', `/api/v1/stations/${id}/remote-starts`)).body.items as Record<string, unknown>[];

  /** A charger (with `keys` stored from a GetConfiguration read) whose accepted remote start of `idTag` has timed out here. */
  async function timedOut(idTag: string, keys: Record<string, string>): Promise<ChargePoint16> {
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${idTag}`, { status: 'Accepted' });
    const cp = await booted(undefined, (c) => {
      readOnlyConfiguration(c, keys);
      c.handle('RemoteStartTransaction', () => ({ status: 'Accepted' as const }));
    });
    expect((await command(cp.identity, 'GetConfiguration', {})).status).toBe(200);
    expect((await command(cp.identity, 'RemoteStartTransaction', { idTag, connectorId: 1 })).body.payload).toEqual({ status: 'Accepted' });
    expect(await eventually(async () => (await remoteStarts(cp.identity))[0]?.['status'] === 'TimedOut', 8000)).toBe(true);
    return cp;
  }
  /** Moves the station's remote starts back in time, as if requested `seconds` ago. */
  const requestedAgo = (stationId: string, seconds: number) =>
    ocpp().db.query(`UPDATE remote_starts SET requested_at = now() - make_interval(secs => $2) WHERE station_id = $1`, [stationId, seconds]);
  const settledEvents = (stationId: string) => ocpp().events.of(Subjects.OcppRemoteStartSettled, stationId);

  it('ConnectionTimeOut 60 s: a start of the tag 3 minutes after the request is a new card session, not linked', async () => {
    const idTag = uniqueTag('CT60');
    const cp = await timedOut(idTag, { ConnectionTimeOut: '60' });
    await requestedAgo(cp.identity, 180);
    await send(cp, 'StartTransaction', { connectorId: 1, idTag, meterStart: 0, timestamp: at() });
    expect(await remoteStarts(cp.identity)).toEqual([expect.objectContaining({ status: 'TimedOut', transactionId: null })]);
    expect(await eventually(async () => settledEvents(cp.identity).length >= 1, 8000)).toBe(true);
    expect(settledEvents(cp.identity).map((e) => e['status'])).toEqual(['TimedOut']);
  });

  it('ConnectionTimeOut 60 s (any case): a start within it is the remote start\'s, published Started with previousStatus TimedOut', async () => {
    const idTag = uniqueTag('CT60IN');
    const cp = await timedOut(idTag, { connectiontimeout: '60' });
    await requestedAgo(cp.identity, 45);
    const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 1, idTag, meterStart: 0, timestamp: at() });
    expect(await remoteStarts(cp.identity)).toEqual([expect.objectContaining({ status: 'Started', transactionId })]);
    expect(await eventually(async () => settledEvents(cp.identity).length >= 2, 8000)).toBe(true);
    expect(settledEvents(cp.identity)[1]).toMatchObject({ status: 'Started', transactionId, previousStatus: 'TimedOut' });
  });

  it('no ConnectionTimeOut reported (or not a number): the 10-minute bound', async () => {
    const idTag = uniqueTag('NOCT');
    const cp = await timedOut(idTag, { HeartbeatInterval: '300' });
    await requestedAgo(cp.identity, 180);
    const first = await send(cp, 'StartTransaction', { connectorId: 1, idTag, meterStart: 0, timestamp: at() });
    expect(await remoteStarts(cp.identity)).toEqual([expect.objectContaining({ status: 'Started', transactionId: first.transactionId })]);
    await send(cp, 'StopTransaction', { transactionId: first.transactionId, meterStop: 10, timestamp: at() });

    const other = uniqueTag('BADCT');
    const cp2 = await timedOut(other, { ConnectionTimeOut: 'sixty' });
    await requestedAgo(cp2.identity, 540);
    const second = await send(cp2, 'StartTransaction', { connectorId: 1, idTag: other, meterStart: 0, timestamp: at() });
    expect(await remoteStarts(cp2.identity)).toEqual([expect.objectContaining({ status: 'Started', transactionId: second.transactionId })]);
  });

  it('a remote start never answered (Requested, then TimedOut: the answer may have been lost) is linked within ConnectionTimeOut too', async () => {
    const idTag = uniqueTag('NOANS');
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${idTag}`, { status: 'Accepted' });
    const cp = await booted(undefined, (c) => readOnlyConfiguration(c, { ConnectionTimeOut: '60' }));
    expect((await command(cp.identity, 'GetConfiguration', {})).status).toBe(200);
    // As the tracker leaves one whose call went out and got no answer: TimedOut, nothing says it was Accepted.
    await ocpp().db.query(`INSERT INTO remote_starts (station_id, connector_id, id_tag, status, requested_at, settled_at) VALUES ($1, 1, $2, 'TimedOut', now() - interval '30 seconds', now())`, [cp.identity, idTag]);
    const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 1, idTag, meterStart: 0, timestamp: at() });
    expect(await remoteStarts(cp.identity)).toEqual([expect.objectContaining({ status: 'Started', transactionId })]);
  });
});
