import { Subjects } from '@cpo/contracts';
import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { ocppSuite } from './harness.js';

const MINUTE = 60_000;
/** The charger's local time `behindMs` behind UTC, as one west of Greenwich sends it: without a zone. */
const stampBehind = (behindMs: number, plusMs = 0) => new Date(Date.now() - behindMs + plusMs).toISOString().replace('Z', '');

/**
 * Statuses are ordered by the charger's own stamps only among stamps (so a delivery overtaken by a
 * later status is still ignored), not against a status stored at its receipt: a charger clock behind
 * UTC made every stamped status look older than the unstamped one before it, and the connector
 * showed Available while charging until the charger's clock passed that receipt time.
 */
describe('StatusNotification ordering with a charger clock behind UTC', () => {
  const { ocpp, booted } = ocppSuite();

  async function status(cp: ChargePoint16, connectorId: number, s: string, timestamp?: string): Promise<void> {
    const payload = { connectorId, status: s, errorCode: 'NoError', ...(timestamp === undefined ? {} : { timestamp }) };
    expect(await cp.call('StatusNotification', payload as never, { skipSchemaValidation: true })).toEqual({});
  }
  const stored = async (id: string, connectorId = 1) =>
    ((await ocpp().db.query(`SELECT status, status_at FROM connectors WHERE station_id = $1 AND connector_id = $2`, [id, connectorId])) as { status: string; status_at: Date }[])[0];
  const published = async (id: string, n: number) => {
    expect(await eventually(() => ocpp().events.of(Subjects.OcppConnectorStatus, id).length === n)).toBe(true);
    return ocpp().events.of(Subjects.OcppConnectorStatus, id).map((e) => e['status']);
  };

  it('a clock 5 h behind: Preparing then Charging after an unstamped Available are stored and published, at their receipt', async () => {
    const cp = await booted();
    await status(cp, 1, 'Available');
    await status(cp, 1, 'Preparing', stampBehind(5 * 60 * MINUTE));
    await status(cp, 1, 'Charging', stampBehind(5 * 60 * MINUTE, 1_000));
    const row = await stored(cp.identity);
    expect(row?.status).toBe('Charging');
    // Five hours behind is no drift but a zone: the stamp is not a time of this status.
    expect(Date.now() - row!.status_at.getTime()).toBeLessThan(MINUTE);
    expect(await published(cp.identity, 3)).toEqual(['Available', 'Preparing', 'Charging']);
  });

  it('a clock 2 min behind (drift): likewise, and a status its stamps show overtaken is still ignored', async () => {
    const cp = await booted();
    await status(cp, 1, 'Available');
    await status(cp, 1, 'Preparing', stampBehind(2 * MINUTE, -2_000));
    await status(cp, 1, 'Charging', stampBehind(2 * MINUTE));
    const row = await stored(cp.identity);
    expect(row?.status).toBe('Charging');
    // Stamped before the unstamped Available's time of record: timed at receipt, so no event goes back in time.
    expect(Date.now() - row!.status_at.getTime()).toBeLessThan(MINUTE);
    expect(await published(cp.identity, 3)).toEqual(['Available', 'Preparing', 'Charging']);
    const times = ocpp().events.of(Subjects.OcppConnectorStatus, cp.identity).map((e) => Date.parse(e['timestamp'] as string));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    await status(cp, 1, 'SuspendedEV', stampBehind(2 * MINUTE, -1_000));
    expect((await stored(cp.identity))?.status).toBe('Charging');
  });

  it('a status overtaken by a later-stamped one (delivered seconds late) is still ignored', async () => {
    const cp = await booted();
    await status(cp, 1, 'Available');
    await status(cp, 1, 'Charging', stampBehind(0, -1_000));
    await status(cp, 1, 'Preparing', stampBehind(0, -3_000));
    expect((await stored(cp.identity))?.status).toBe('Charging');
    expect(await published(cp.identity, 2)).toEqual(['Available', 'Charging']);
    // And after a stamped status, an unstamped one is ordered by its receipt, as before.
    await status(cp, 1, 'Finishing');
    expect((await stored(cp.identity))?.status).toBe('Finishing');
  });
});
