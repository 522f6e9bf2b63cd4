import { randomUUID } from 'node:crypto';
import { Subjects } from '@cpo/contracts';
import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { connectorStatusesStatement, type ConnectorStatusRow } from '../src/stations/connector-status.statement.js';
import { api, ocppSuite, send } from './harness.js';

const DAY = 24 * 60 * 60_000;
const at = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString();

/**
 * A charger whose clock went back at a reboot (restored from its last saved time, or an image's
 * build date after 2010: no unset clock) stamps its statuses days before the stored one's stamp.
 * Taken as statuses delivered late, every one was answered and dropped: the connector stayed
 * Charging, with no `ocpp.connector.status`. Stamps are ordered within a boot; a status received
 * since the station's boot is not compared with the stamp of one received before it.
 */
describe('StatusNotification ordering when the charger clock goes back at a reboot', () => {
  const { ocpp, booted } = ocppSuite();

  async function status(cp: ChargePoint16, s: string, timestamp?: string, errorCode = 'NoError'): Promise<void> {
    const payload = { connectorId: 1, status: s, errorCode, ...(timestamp === undefined ? {} : { timestamp }) };
    expect(await cp.call('StatusNotification', payload as never, { skipSchemaValidation: true })).toEqual({});
  }
  const reboot = async (cp: ChargePoint16) => send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' });
  const stored = async (id: string) =>
    ((await ocpp().db.query(`SELECT status, error_code, status_at FROM connectors WHERE station_id = $1 AND connector_id = 1`, [id])) as { status: string; error_code: string; status_at: Date }[])[0];
  const published = async (id: string, n: number) => {
    expect(await eventually(() => ocpp().events.of(Subjects.OcppConnectorStatus, id).length >= n)).toBe(true);
    await new Promise((r) => setTimeout(r, 300)); // none more than expected
    return ocpp().events.of(Subjects.OcppConnectorStatus, id).map((e) => `${e['status']}/${e['errorCode']}`);
  };

  it('statuses stamped 2 days back after a reboot are stored and published, at their receipt', async () => {
    const cp = await booted();
    await status(cp, 'Charging', at());
    await reboot(cp);
    await status(cp, 'Available', at(-2 * DAY));
    expect((await stored(cp.identity))?.status).toBe('Available');
    await status(cp, 'Preparing', at(-2 * DAY + 1_000));
    await status(cp, 'Faulted', at(-2 * DAY + 2_000), 'GroundFailure');
    const row = await stored(cp.identity);
    expect([row?.status, row?.error_code]).toEqual(['Faulted', 'GroundFailure']);
    // Timed at receipt: no event goes back in time for the connector.
    expect(Date.now() - row!.status_at.getTime()).toBeLessThan(60_000);
    expect(await published(cp.identity, 4)).toEqual(['Charging/NoError', 'Available/NoError', 'Preparing/NoError', 'Faulted/GroundFailure']);
    const times = ocpp().events.of(Subjects.OcppConnectorStatus, cp.identity).map((e) => Date.parse(e['timestamp'] as string));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('within the new boot a status overtaken by a later stamp is still ignored', async () => {
    const cp = await booted();
    await status(cp, 'Charging', at());
    await reboot(cp);
    await status(cp, 'Available', at(-2 * DAY + 10_000));
    await status(cp, 'Preparing', at(-2 * DAY + 5_000)); // overtaken: delivered late
    expect((await stored(cp.identity))?.status).toBe('Available');
    expect(await published(cp.identity, 2)).toEqual(['Charging/NoError', 'Available/NoError']);
  });

  it('the previous boot\'s status resent right after the reboot is neither stored nor published again', async () => {
    const cp = await booted();
    const charging = at();
    await status(cp, 'Charging', charging);
    await reboot(cp);
    await status(cp, 'Charging', charging);
    expect((await stored(cp.identity))?.status).toBe('Charging');
    expect(await published(cp.identity, 1)).toEqual(['Charging/NoError']);
  });

  it('a status received before the reboot and committed after a status of the new boot (another replica) is ignored', async () => {
    const cp = await booted();
    const before = new Date();
    await status(cp, 'Charging', before.toISOString());
    await new Promise((r) => setTimeout(r, 20));
    await reboot(cp);
    await status(cp, 'Available', at(-2 * DAY));
    // Received (stamped) before the boot, committed now: its receipt is before the stored status's boot.
    const late: ConnectorStatusRow = {
      stationId: cp.identity, connectorId: 1, status: 'SuspendedEV', errorCode: 'NoError', byReceipt: false,
      statusAt: new Date(before.getTime() + 5), receivedAt: new Date(before.getTime() + 10),
    };
    const { ctes, params } = connectorStatusesStatement([late], 1);
    const fresh = (await ocpp().db.query(`WITH ${ctes} SELECT ord FROM st_fresh`, params)) as unknown[];
    expect(fresh).toEqual([]);
    expect((await stored(cp.identity))?.status).toBe('Available');
  });
});

/**
 * A charger clock behind UTC sending its statuses without a stamp: a start stamped behind its receipt
 * took a Preparing received before it (recorded at receipt) for a status after the start, and the
 * session showed `stopLost` until the next status.
 */
describe('a lost stop with a charger clock behind and unstamped statuses', () => {
  const { ocpp, booted } = ocppSuite();

  it('Preparing received before a start stamped 2 min behind does not end the session', async () => {
    const cp = await booted();
    const idTag = `BEH-${randomUUID().slice(0, 8)}`.toUpperCase();
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${idTag}`, { status: 'Accepted' });
    await send(cp, 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Preparing' });
    await send(cp, 'StartTransaction', { connectorId: 1, idTag, meterStart: 0, timestamp: at(-2 * 60_000) });
    const view = (await api(ocpp(), 'GET', `/api/v1/transactions?stationId=${cp.identity}`)).body;
    expect(view.items.map((t: { stopLost?: boolean }) => t.stopLost ?? false)).toEqual([false]);
    expect((await send(cp, 'Authorize', { idTag })).idTagInfo.status).toBe('ConcurrentTx');
    // One received after the start still ends it.
    await send(cp, 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
    const after = (await api(ocpp(), 'GET', `/api/v1/transactions?stationId=${cp.identity}`)).body;
    expect(after.items.map((t: { stopLost?: boolean }) => t.stopLost ?? false)).toEqual([true]);
  });
});
