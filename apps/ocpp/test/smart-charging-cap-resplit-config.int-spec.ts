import { connect, headers as natsHeaders } from '@nats-io/transport-node';
import { ocppCommandSubject, OcppCommandReplyV1 } from '@cpo/contracts';
import { jest } from '@jest/globals';
import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually, testServers } from '@cpo/testing';
import { ConnectorSplits } from '../src/smart-charging/connector-splits.js';
import { LimitDispatcher } from '../src/smart-charging/limit-dispatcher.js';
import { api, send, type OcppHarness } from './harness.js';
import { constantPlan, onlineProfileCharger, planOn, type ProfileChargerOptions, publishPlanAt, smartChargingReplicas, smartChargingService } from './smart-charging-harness.js';

type Row = { chargingProfileId: number; planId: string; state: string; verification: string | null };

/**
 * An emulated station cap is split evenly over the connectors we know of, `NumberOfConnectors`
 * among them. An operator's GetConfiguration whose answer reports more connectors than the split
 * was made over must send every share again over the new count, as a status of a connector beyond
 * it does: else the connector nobody counted draws the connector-0 default's share (or its hardware
 * maximum without one) on top of the others' shares, and the sum exceeds the cap.
 */
describe('smart charging: an emulated station cap split again when GetConfiguration reports more connectors', () => {
  const { h: service, chargers } = smartChargingService();
  let h: OcppHarness;
  beforeAll(() => {
    h = service();
  });

  /** A charger refusing ChargePointMaxProfile whose NumberOfConnectors (`config`) the test changes, as a firmware update or a fixed misreport would. */
  const online = async (config: Map<string, string>, o: ProfileChargerOptions) => {
    const c = await onlineProfileCharger(h, chargers, Object.fromEntries(config), { prefix: 'SCSPLITCFG', ...o });
    c.cp.handle('GetConfiguration', (req) => ({
      configurationKey: [...config].filter(([k]) => !req.key?.length || req.key.some((w) => w.toLowerCase() === k.toLowerCase())).map(([key, value]) => ({ key, value, readonly: true })),
    }));
    return c;
  };
  const rows = async (stationId: string) => (await api(h, 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as Row[];
  const settled = async (stationId: string, ids: number[]) => {
    const all = await rows(stationId);
    return ids.every((id) => all.some((r) => r.chargingProfileId === id && r.state !== 'pending' && (r.state !== 'applied' || r.verification !== null)));
  };
  const capabilities = async (stationId: string) => (await api(h, 'GET', `/api/v1/stations/${stationId}`)).body?.capabilities as { numberOfConnectors?: number } | undefined;
  const command = (stationId: string, action: string, payload: unknown) => api(h, 'POST', `/api/v1/stations/${stationId}/commands/${action}`, payload);
  const status = (cp: ChargePoint16, connectorId: number) => send(cp, 'StatusNotification', { connectorId, status: 'Available', errorCode: 'NoError', timestamp: new Date().toISOString() });
  /** What the charger lets connectors 1..n draw now, by its installed profiles alone. */
  const allowed = (limitNow: (c: number) => number, n: number) => Array.from({ length: n }, (_, i) => limitNow(i + 1));
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  // 40 A over three connectors, rounded down to the builder's 0.1 A.
  const third = Math.floor(400 / 3) / 10;

  /** A 40 A cap emulated over NumberOfConnectors=2 (20 A each), then the charger reports 3. */
  async function splitOverTwo(o: ProfileChargerOptions) {
    const config = new Map([['NumberOfConnectors', '2'], ['ChargeProfileMaxStackLevel', '2']]);
    const c = await online(config, { refuseStationCap: true, ...o });
    await publishPlanAt(h, constantPlan(c.cp.identity, [[0, 40], [1, 32]]), new Date());
    expect(await eventually(() => settled(c.cp.identity, [1, 101]))).toBe(true);
    config.set('NumberOfConnectors', '3');
    return c;
  }

  it('through the connector-0 default (id 99): a full GetConfiguration (REST) reporting 3 connectors', async () => {
    const { cp, limitNow } = await splitOverTwo({});
    // The third connector draws id 99's share too: 60 A under a 40 A cap.
    expect(allowed(limitNow, 3)).toEqual([20, 20, 20]);
    expect((await command(cp.identity, 'GetConfiguration', {})).status).toBe(200);
    expect((await capabilities(cp.identity))?.numberOfConnectors).toBe(3);
    expect(await eventually(() => allowed(limitNow, 3).every((l) => l === third), 15_000)).toBe(true);
    expect(sum(allowed(limitNow, 3))).toBeLessThanOrEqual(40);
  });

  it("through each connector's own profile (connector 0 refused): GetConfiguration of NumberOfConnectors alone", async () => {
    const { cp, limitNow } = await splitOverTwo({ refuseConnectorZeroDefault: true });
    // Connector 3 has no profile: its 32 A hardware maximum, 72 A in all.
    expect(allowed(limitNow, 3)).toEqual([20, 20, 32]);
    expect((await command(cp.identity, 'GetConfiguration', { key: ['NumberOfConnectors'] })).body.payload).toMatchObject({ configurationKey: [{ key: 'NumberOfConnectors', value: '3' }] });
    expect(await eventually(async () => (await capabilities(cp.identity))?.numberOfConnectors === 3)).toBe(true);
    expect(await eventually(() => allowed(limitNow, 3).every((l) => l === third), 15_000)).toBe(true);
  });

  it('a GetConfiguration over the bus (ocpp.command.{stationId}) reporting 3 connectors', async () => {
    const { cp, limitNow } = await splitOverTwo({});
    const nc = await connect({ servers: testServers.nats });
    try {
      const reply = await nc.request(`${h.app.prefix}.${ocppCommandSubject(cp.identity)}`, JSON.stringify({ action: 'GetConfiguration', payload: { key: ['numberofconnectors'] } }), { timeout: 5000, headers: natsHeaders() });
      expect(OcppCommandReplyV1.parse(JSON.parse(new TextDecoder().decode(reply.data)))).toMatchObject({ status: 'ok' });
    } finally {
      await nc.close();
    }
    expect(await eventually(() => allowed(limitNow, 3).every((l) => l === third), 15_000)).toBe(true);
  });

  it('a replica holding no count for the station (e.g. after a failed read) reads the one kept with the cap row', async () => {
    const { cp, limitNow } = await splitOverTwo({});
    h.app.app.get(ConnectorSplits).forget(cp.identity);
    expect((await command(cp.identity, 'GetConfiguration', { key: ['NumberOfConnectors'] })).status).toBe(200);
    expect(await eventually(() => allowed(limitNow, 3).every((l) => l === third), 15_000)).toBe(true);
  });

  it('a count answered while a new connector reports splits the cap again over the higher of both, in one pass or two', async () => {
    const { cp, limitNow, behaviour } = await splitOverTwo({});
    const dispatch = jest.spyOn(h.app.app.get(LimitDispatcher), 'dispatch');
    // The charger answers 5 while connector 3 reports (and its re-split's shares are held).
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    cp.handle('GetConfiguration', async () => {
      await held;
      return { configurationKey: [{ key: 'NumberOfConnectors', value: '5', readonly: true }] };
    });
    behaviour.hold = held;
    const read = command(cp.identity, 'GetConfiguration', { key: ['NumberOfConnectors'] });
    await status(cp, 3);
    release();
    expect((await read).status).toBe(200);
    expect(await eventually(() => allowed(limitNow, 5).every((l) => l === 8), 15_000)).toBe(true);
    expect(dispatch.mock.calls.filter(([, o]) => o.resplit === true).length).toBeLessThanOrEqual(2);
  });

  it('an accepted ChangeConfiguration of NumberOfConnectors (read-only by the spec, taken by some firmware) counts as the charger\'s word', async () => {
    const { cp, limitNow } = await splitOverTwo({});
    cp.handle('ChangeConfiguration', () => ({ status: 'Accepted' }));
    expect((await command(cp.identity, 'ChangeConfiguration', { key: 'NumberOfConnectors', value: '3' })).body.payload).toEqual({ status: 'Accepted' });
    expect(await eventually(() => allowed(limitNow, 3).every((l) => l === third), 15_000)).toBe(true);
  });

  it('a lower NumberOfConnectors never splits the cap over fewer connectors than reported a status', async () => {
    const config = new Map([['NumberOfConnectors', '2'], ['ChargeProfileMaxStackLevel', '2']]);
    const { cp, limitNow } = await online(config, { refuseStationCap: true });
    await publishPlanAt(h, constantPlan(cp.identity, [[0, 40], [1, 32]]), new Date());
    expect(await eventually(() => settled(cp.identity, [1, 101]))).toBe(true);
    await status(cp, 3);
    expect(await eventually(() => allowed(limitNow, 3).every((l) => l === third), 15_000)).toBe(true);
    config.set('NumberOfConnectors', '1');
    expect((await command(cp.identity, 'GetConfiguration', {})).status).toBe(200);
    expect((await capabilities(cp.identity))?.numberOfConnectors).toBe(1);
    // A new cap goes out over the connectors known (3), not over the 1 now reported.
    await publishPlanAt(h, constantPlan(cp.identity, [[0, 30]]), new Date());
    expect(await eventually(() => allowed(limitNow, 3).every((l) => l === 10), 15_000)).toBe(true);
  });
});

/** The operator's GetConfiguration reaches another replica than the one holding the socket, which split the cap itself or learned another's split. */
describe('smart charging: a count from GetConfiguration splits the cap again on the replica holding the socket', () => {
  const { a, b, chargers } = smartChargingReplicas();

  const rows = async (stationId: string) => (await api(a(), 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as Row[];
  const settled = async (stationId: string, ids: number[]) => {
    const all = await rows(stationId);
    return ids.every((id) => all.some((r) => r.chargingProfileId === id && r.state !== 'pending' && (r.state !== 'applied' || r.verification !== null)));
  };

  it('B split the cap over 2 through A; a GetConfiguration asked on B reports 3', async () => {
    const config = new Map([['NumberOfConnectors', '2'], ['ChargeProfileMaxStackLevel', '2']]);
    const { cp, limitNow } = await onlineProfileCharger(a(), chargers, Object.fromEntries(config), { prefix: 'SCSPLITCFGR', refuseStationCap: true });
    cp.handle('GetConfiguration', (req) => ({
      configurationKey: [...config].filter(([k]) => !req.key?.length || req.key.includes(k)).map(([key, value]) => ({ key, value, readonly: true })),
    }));
    await (await planOn(b(), cp.identity, [[0, 40], [1, 32]])).pass;
    expect(await eventually(() => settled(cp.identity, [1, 101]))).toBe(true);
    expect([limitNow(1), limitNow(2), limitNow(3)]).toEqual([20, 20, 20]);
    config.set('NumberOfConnectors', '3');
    const resplitOnB = jest.spyOn(b().app.app.get(LimitDispatcher), 'dispatch');
    expect((await api(b(), 'POST', `/api/v1/stations/${cp.identity}/commands/GetConfiguration`, { key: ['NumberOfConnectors'] })).status).toBe(200);
    const third = Math.floor(400 / 3) / 10;
    expect(await eventually(() => [1, 2, 3].every((c) => limitNow(c) === third), 15_000)).toBe(true);
    expect(resplitOnB.mock.calls.filter(([, o]) => o.resplit === true)).toEqual([]);
    resplitOnB.mockRestore();
  });
});
