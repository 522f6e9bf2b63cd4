import { randomUUID } from 'node:crypto';
import { Headers, ocppCommandSubject, OcppCommandReplyV1, Subjects, type OcppCommandReply, type PlannerStationLimitsPlanned } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import type { Req16 } from '@cpo/ocpp-protocol';
import { eventually, testServers } from '@cpo/testing';
import { connect, headers as natsHeaders } from '@nats-io/transport-node';
import { ProfileRetry } from '../src/smart-charging/profile-retry.js';
import { api, readOnlyConfiguration, send, startOcpp, testChargers, uniqueStation, type OcppHarness } from './harness.js';
import { configurationAnswer } from './configuration-fixtures.js';

type Row = { chargingProfileId: number; state: string; applied: unknown };

/** A charger that keeps the profiles it accepts (by id) and clears them like the spec says (by id, else the criteria ANDed). */
function charger(url: string, keys: Record<string, string>) {
  const cp = new ChargePoint16({ identity: uniqueStation('EFX'), url, reconnect: false });
  const sets: Req16<'SetChargingProfile'>[] = [];
  const installed = new Map<number, Req16<'SetChargingProfile'>>();
  readOnlyConfiguration(cp, { ChargingScheduleAllowedChargingRateUnit: 'Current', ChargingScheduleMaxPeriods: '24', ...keys });
  cp.handle('SetChargingProfile', (req) => {
    sets.push(req);
    installed.set(req.csChargingProfiles.chargingProfileId, req);
    return { status: 'Accepted' };
  });
  cp.handle('RemoteStartTransaction', () => ({ status: 'Accepted' }));
  cp.handle('ClearChargingProfile', (req) => {
    const hit = [...installed.values()].filter((p) =>
      req.id !== undefined
        ? p.csChargingProfiles.chargingProfileId === req.id
        : (req.connectorId === undefined || p.connectorId === req.connectorId) &&
          (req.chargingProfilePurpose === undefined || p.csChargingProfiles.chargingProfilePurpose === req.chargingProfilePurpose) &&
          (req.stackLevel === undefined || p.csChargingProfiles.stackLevel === req.stackLevel),
    );
    for (const p of hit) installed.delete(p.csChargingProfiles.chargingProfileId);
    return { status: hit.length > 0 ? 'Accepted' : 'Unknown' };
  });
  return { cp, sets, installed };
}

describe('effects of operator commands', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  const { booted } = testChargers(() => h);
  beforeAll(async () => {
    // The retry pass runs only when a test asks for it.
    h = await startOcpp({ OCPP_PROFILE_LEASE_S: '900', OCPP_CALL_TIMEOUT_MS: '1500', OCPP_PROFILE_RETRY_MS: '3600000' });
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await h.close();
  });

  async function online(keys: Record<string, string>) {
    const c = charger(h.wsUrl, keys);
    chargers.push(c.cp);
    void c.cp.start();
    await c.cp.waitOpen();
    await send(c.cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'FX' });
    expect(await eventually(async () => (await api(h, 'GET', `/api/v1/stations/${c.cp.identity}`)).body?.capabilities?.allowedChargingRateUnits !== undefined)).toBe(true);
    return c;
  }

  const command = (stationId: string, action: string, payload: unknown) => api(h, 'POST', `/api/v1/stations/${stationId}/commands/${action}`, payload);
  const rows = async (stationId: string) => (await api(h, 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as Row[];
  const states = async (stationId: string) => (await rows(stationId)).map((r) => [r.chargingProfileId, r.state]);

  async function planned(stationId: string, limits: [number, number][]): Promise<void> {
    const startSchedule = new Date(Date.now() - 600_000).toISOString();
    const plan: PlannerStationLimitsPlanned = {
      planId: randomUUID(), groupId: 'G1', stationId, reason: 'allocation', effectiveFrom: startSchedule,
      connectors: limits.map(([connectorId, limit]) => ({ connectorId, schedule: { startSchedule, chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit }] } })),
    };
    await h.app.app.get(EventPublisher).publish(Subjects.PlannerStationLimitsPlanned, plan);
    expect(await eventually(async () => (await rows(stationId)).length === limits.length && (await rows(stationId)).every((r) => r.state === 'applied'))).toBe(true);
  }

  const profile = (chargingProfileId: number, purpose = 'TxDefaultProfile') => ({
    chargingProfileId, stackLevel: 0, chargingProfilePurpose: purpose, chargingProfileKind: 'Relative',
    chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 32 }] },
  });

  it('an operator profile under an id the grid limits use is refused (409) and never reaches the charger', async () => {
    const { cp, sets } = await online({ NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '0' });
    for (const id of [1, 99, 101, 201, 302]) {
      const res = await command(cp.identity, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(id) });
      expect(res).toMatchObject({ status: 409, body: { status: 'error', code: 'Conflict', details: { chargingProfileId: id } } });
    }
    const start = await command(cp.identity, 'RemoteStartTransaction', { idTag: 'GOOD', connectorId: 1, chargingProfile: profile(101, 'TxProfile') });
    expect(start).toMatchObject({ status: 409, body: { code: 'Conflict' } });
    const bulk = await api(h, 'POST', '/api/v1/commands/bulk', { stationIds: [cp.identity], action: 'SetChargingProfile', payload: { connectorId: 0, csChargingProfiles: profile(1) } });
    expect(bulk.status).toBe(409);
    // An invalid payload is a 400 naming its fields first, whatever its id.
    expect(await command(cp.identity, 'SetChargingProfile', { connectorId: 'one', csChargingProfiles: profile(1) })).toMatchObject({ status: 400, body: { code: 'InvalidRequest' } });
    expect(sets).toEqual([]);
    // Other ids pass.
    expect(await command(cp.identity, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(7) })).toMatchObject({ status: 200, body: { payload: { status: 'Accepted' } } });
    expect(await command(cp.identity, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(400) })).toMatchObject({ status: 200 });
  });

  it('an operator profile with a grid limit\'s purpose and stack level on its connector or a level above it, is refused (409), whatever its id; other connectors pass', async () => {
    const { cp, sets } = await online({ NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' });
    const free = await online({ NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' });
    await planned(cp.identity, [[1, 16]]);
    const before = sets.length;
    const at = (connectorId: number, stackLevel: number) => ({ connectorId, csChargingProfiles: { ...profile(7), stackLevel } });
    // Level 1 is the connector's leased limit, level 0 its fallback; a connector-0 default covers connector 1 too.
    for (const [connectorId, level] of [[1, 1], [1, 0], [0, 1]] as const) {
      expect(await command(cp.identity, 'SetChargingProfile', at(connectorId, level))).toMatchObject({ status: 409, body: { code: 'Conflict', details: { stackLevel: level } } });
    }
    // A remote start's TxProfile at the connector limit's level would be replaced by the limit's copy for the transaction.
    const { transactionId: _, ...txProfile } = { ...profile(7), chargingProfilePurpose: 'TxProfile', stackLevel: 1 } as Record<string, unknown>;
    expect(await command(cp.identity, 'RemoteStartTransaction', { connectorId: 1, idTag: 'OP-1', chargingProfile: txProfile })).toMatchObject({ status: 409, body: { code: 'Conflict' } });
    expect(sets.length).toBe(before);
    // A level above the limit's would prevail over it (§3.13.2), whatever its limit today.
    expect(await command(cp.identity, 'SetChargingProfile', at(1, 2))).toMatchObject({ status: 409, body: { code: 'Conflict', details: { stackLevel: 2 } } });
    expect(sets.length).toBe(before);
    expect(await command(cp.identity, 'SetChargingProfile', at(2, 1))).toMatchObject({ status: 200, body: { payload: { status: 'Accepted' } } });
    // Bulk: refused only where a grid limit sits.
    const bulk = await api(h, 'POST', '/api/v1/commands/bulk', { stationIds: [cp.identity, free.cp.identity], action: 'SetChargingProfile', payload: at(1, 1) });
    expect(bulk.status).toBe(200);
    expect(bulk.body.results).toEqual([
      expect.objectContaining({ stationId: cp.identity, status: 'error', code: 'Conflict' }),
      { stationId: free.cp.identity, status: 'ok', payload: { status: 'Accepted' } },
    ]);
    expect(await states(cp.identity)).toEqual([[101, 'applied']]);
  });

  /** A command published on `ocpp.command.{id}` as another service or a script would; `source` as the publishing service names itself. */
  async function overBus(stationId: string, action: string, payload: unknown, source?: string): Promise<OcppCommandReply> {
    const nc = await connect({ servers: testServers.nats });
    try {
      const hdrs = natsHeaders();
      if (source) hdrs.set(Headers.Source, source);
      const reply = await nc.request(`${h.app.prefix}.${ocppCommandSubject(stationId)}`, JSON.stringify({ action, payload }), { timeout: 5000, headers: hdrs });
      return OcppCommandReplyV1.parse(JSON.parse(new TextDecoder().decode(reply.data)));
    } finally {
      await nc.close();
    }
  }

  it('over the bus, a profile under a grid-limit id or in a grid limit\'s slot is refused (Conflict) as over REST and never reaches the charger; a forward between replicas is not checked again', async () => {
    const { cp, sets } = await online({ NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' });
    await planned(cp.identity, [[1, 16]]);
    const before = sets.length;
    for (const id of [1, 99, 101]) {
      const reply = await overBus(cp.identity, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(id) }, 'planner');
      expect(reply).toMatchObject({ status: 'error', code: 'Conflict', details: { chargingProfileId: id } });
    }
    expect(await overBus(cp.identity, 'RemoteStartTransaction', { idTag: 'GOOD', connectorId: 1, chargingProfile: profile(101, 'TxProfile') })).toMatchObject({ status: 'error', code: 'Conflict' });
    // The slot of the connector's leased grid limit (level 1), whatever the profile's id.
    const slot = await overBus(cp.identity, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: { ...profile(7), stackLevel: 1 } });
    expect(slot).toMatchObject({ status: 'error', code: 'Conflict', details: { stackLevel: 1, gridLimitConnectorId: 1 } });
    // An invalid payload still names its fields first.
    expect(await overBus(cp.identity, 'SetChargingProfile', { connectorId: 'one', csChargingProfiles: profile(1) })).toMatchObject({ status: 'error', code: 'InvalidRequest' });
    expect(sets.length).toBe(before);
    // Another connector, another id: the command goes.
    expect(await overBus(cp.identity, 'SetChargingProfile', { connectorId: 2, csChargingProfiles: profile(7) })).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
    // What another replica forwards (its operator's command checked there, or its smart charging's
    // own profile, as every replica before this rule sent it) carries the service's name: it goes.
    const forwarded = await overBus(cp.identity, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: { ...profile(101), stackLevel: 1 } }, h.app.config.SERVICE_NAME);
    expect(forwarded).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
    expect(sets.length).toBe(before + 2);
  });

  it('a ClearChargingProfile that removed grid-limit profiles has them installed again at once', async () => {
    const { cp, sets, installed } = await online({ NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '0' });
    await planned(cp.identity, [[0, 40], [1, 16]]);
    expect([...installed.keys()].sort()).toEqual([1, 101]);
    // Unrelated clears change nothing of ours.
    expect((await command(cp.identity, 'ClearChargingProfile', { id: 7 })).body.payload).toEqual({ status: 'Unknown' });
    expect((await command(cp.identity, 'ClearChargingProfile', { chargingProfilePurpose: 'TxProfile' })).body.payload).toEqual({ status: 'Unknown' });
    expect(await states(cp.identity)).toEqual([[1, 'applied'], [101, 'applied']]);
    // Connector 1's default goes: only it is sent again (the retry pass runs hourly here).
    const sent = (id: number) => sets.filter((s) => s.csChargingProfiles.chargingProfileId === id).length;
    expect((await command(cp.identity, 'ClearChargingProfile', { connectorId: 1, chargingProfilePurpose: 'TxDefaultProfile' })).body.payload).toEqual({ status: 'Accepted' });
    expect(await eventually(async () => sent(101) === 2 && installed.has(101) && (await states(cp.identity)).every(([, state]) => state === 'applied'))).toBe(true);
    expect(sent(1)).toBe(1);
    // Everything goes (no criteria): both come back.
    expect((await command(cp.identity, 'ClearChargingProfile', {})).body.payload).toEqual({ status: 'Accepted' });
    expect(await eventually(async () => sent(1) === 2 && sent(101) === 3 && (await rows(cp.identity)).every((r) => r.state === 'applied'))).toBe(true);
    expect([...installed.keys()].sort()).toEqual([1, 101]);
  });

  it('a cleared lease fallback is installed again with the next lease', async () => {
    const { cp, installed } = await online({ NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' });
    await planned(cp.identity, [[1, 16]]);
    expect([...installed.keys()].sort()).toEqual([101, 201]);
    expect((await command(cp.identity, 'ClearChargingProfile', {})).body.payload).toEqual({ status: 'Accepted' });
    await h.app.app.get(ProfileRetry).run();
    expect(await eventually(async () => (await rows(cp.identity)).every((r) => r.state === 'applied'))).toBe(true);
    // Without its fallback a lapsing lease would leave the connector unlimited.
    expect([...installed.keys()].sort()).toEqual([101, 201]);
  });

  /** A charger answering GetConfiguration (with `unknownKey`) and ChangeConfiguration from `config`, keys compared without case. */
  async function configurable(config: Map<string, string>) {
    const find = (key: string) => [...config.keys()].find((k) => k.toLowerCase() === key.toLowerCase());
    const cp = await booted(uniqueStation('EFX'), (c) => {
      c.handle('GetConfiguration', (req) => {
        return configurationAnswer(config, req.key ?? []);
      });
      c.handle('ChangeConfiguration', (req) => {
        const key = find(req.key);
        if (!key) return { status: 'NotSupported' };
        config.set(key, req.value);
        return { status: 'Accepted' };
      });
    });
    const stored = async () => (await api(h, 'GET', `/api/v1/stations/${cp.identity}`)).body?.configuration as Record<string, { value: string | null }> | undefined;
    return { cp, stored };
  }

  it('an accepted ChangeConfiguration updates the key as stored, whatever the case the operator typed (CiString)', async () => {
    const { cp, stored } = await configurable(new Map([['HeartbeatInterval', '300'], ['ChargingScheduleAllowedChargingRateUnit', 'Current']]));
    expect(await eventually(async () => (await stored())?.['HeartbeatInterval']?.value === '300')).toBe(true);
    expect((await command(cp.identity, 'ChangeConfiguration', { key: 'heartbeatinterval', value: '60' })).body.payload).toEqual({ status: 'Accepted' });
    const after = await stored();
    expect(after?.['HeartbeatInterval']?.value).toBe('60');
    expect(Object.keys(after ?? {}).filter((k) => k.toLowerCase() === 'heartbeatinterval')).toEqual(['HeartbeatInterval']);
  });

  it('a key the charger answers as unknown (GetConfiguration unknownKey, any case) is no longer shown', async () => {
    const config = new Map([['HeartbeatInterval', '300'], ['VendorLegacyKey', 'x']]);
    const { cp, stored } = await configurable(config);
    expect(await eventually(async () => (await stored())?.['VendorLegacyKey']?.value === 'x')).toBe(true);
    config.delete('VendorLegacyKey'); // a firmware update dropped it
    expect((await command(cp.identity, 'GetConfiguration', { key: ['vendorlegacykey', 'HeartbeatInterval'] })).body.payload).toMatchObject({ unknownKey: ['vendorlegacykey'] });
    expect(Object.keys((await stored()) ?? {})).toEqual(['HeartbeatInterval']);
    // A full read is the charger's whole configuration: a key it no longer lists goes, and a key it
    // now spells otherwise is kept once, as the charger spells it.
    config.set('OtherKey', 'y');
    await command(cp.identity, 'GetConfiguration', {});
    expect(Object.keys((await stored()) ?? {}).sort()).toEqual(['HeartbeatInterval', 'OtherKey']);
    config.delete('OtherKey');
    config.delete('HeartbeatInterval');
    config.set('heartbeatInterval', '300');
    expect((await command(cp.identity, 'GetConfiguration', {})).status).toBe(200);
    expect(Object.keys((await stored()) ?? {})).toEqual(['heartbeatInterval']);
  });
});
