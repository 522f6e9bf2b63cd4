import { eventually } from '@cpo/testing';
import { api, ocppSuite, send } from './harness.js';

describe('a station\'s last sign of life once it is gone', () => {
  const { ocpp, booted } = ocppSuite();

  const lastSeen = async (id: string): Promise<number> => Date.parse((await api(ocpp(), 'GET', `/api/v1/stations/${id}`)).body.last_seen_at);

  it('is the last frame of its connection, not its last Heartbeat or boot', async () => {
    const cp = await booted();
    const atBoot = await lastSeen(cp.identity);
    await new Promise((r) => setTimeout(r, 1_200));
    // No Heartbeat: a charger may keep quiet, or send other messages instead (OCPP 1.6 §4.6).
    const before = Date.now();
    await send(cp, 'StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
    await cp.stop();
    expect(await eventually(async () => (await lastSeen(cp.identity)) >= before - 50, 10_000)).toBe(true);
    expect(await lastSeen(cp.identity)).toBeGreaterThan(atBoot + 1_000);
  });
});
