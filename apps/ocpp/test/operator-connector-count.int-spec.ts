import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { api, ocppSuite, readOnlyConfiguration } from './harness.js';

/**
 * An operator's command naming a connector the charger does not have (above the NumberOfConnectors
 * it reported) is refused before it travels, naming the field and the count, rather than sent for
 * the charger to reject or misread; a count not known leaves the command as it was.
 */
describe('operator commands: connector ids beyond the station\'s NumberOfConnectors', () => {
  const { ocpp, booted, command } = ocppSuite();

  /** A booted charger that answers UnlockConnector and counts the calls it got; `keys` its configuration. */
  async function charger(keys: Record<string, string>): Promise<{ cp: ChargePoint16; unlocks: number[] }> {
    const unlocks: number[] = [];
    const cp = await booted(undefined, (c) => {
      readOnlyConfiguration(c, keys);
      c.handle('UnlockConnector', (req) => (unlocks.push(req.connectorId), { status: 'Unlocked' }));
      c.handle('TriggerMessage', () => ({ status: 'Accepted' }));
    });
    return { cp, unlocks };
  }

  const countKnown = async (stationId: string, count: number) =>
    eventually(async () => (await api(ocpp(), 'GET', `/api/v1/stations/${stationId}`)).body?.capabilities?.numberOfConnectors === count);

  it('refuses UnlockConnector 7 on a 2-connector charger with a 400 naming connectorId and the count; no CALL', async () => {
    const { cp, unlocks } = await charger({ NumberOfConnectors: '2' });
    expect(await countKnown(cp.identity, 2)).toBe(true);
    const res = await command(cp.identity, 'UnlockConnector', { connectorId: 7 });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 'error', code: 'InvalidRequest', details: { errors: [{ path: '/connectorId', params: { key: 'NumberOfConnectors', limit: 2 } }] } });
    expect(res.body.description).toMatch(/connectorId.*7.*2/);
    // Its own connectors still get the command; connector 0 (the whole station) where the action takes it.
    expect((await command(cp.identity, 'UnlockConnector', { connectorId: 2 })).status).toBe(200);
    expect((await command(cp.identity, 'TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 3 })).status).toBe(400);
    expect(unlocks).toEqual([2]);
  });

  it('refuses it per station in a bulk request; a station whose count is not known gets the command as before', async () => {
    const two = await charger({ NumberOfConnectors: '2' });
    const unknown = await charger({});
    expect(await countKnown(two.cp.identity, 2)).toBe(true);
    const res = await api(ocpp(), 'POST', '/api/v1/commands/bulk', { stationIds: [two.cp.identity, unknown.cp.identity], action: 'UnlockConnector', payload: { connectorId: 3 } });
    expect(res.status).toBe(200);
    expect(res.body.results).toMatchObject([
      { stationId: two.cp.identity, status: 'error', code: 'InvalidRequest' },
      { stationId: unknown.cp.identity, status: 'ok', payload: { status: 'Unlocked' } },
    ]);
    expect(two.unlocks).toEqual([]);
    expect(unknown.unlocks).toEqual([3]);
  });
});
