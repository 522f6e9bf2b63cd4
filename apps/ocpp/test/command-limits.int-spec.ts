import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { ocppSuite, readOnlyConfiguration, uniqueStation } from './harness.js';

/** Counts the CALLs of `actions` the charger gets (answering each with `answer`). */
function counting(cp: ChargePoint16, actions: string[], answer: Record<string, unknown> = { status: 'Accepted' }): Record<string, number> {
  const got: Record<string, number> = {};
  for (const action of actions) cp.handle(action as never, () => ((got[action] = (got[action] ?? 0) + 1), answer as never));
  return got;
}

const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ idTag: `LIM-${i}`, idTagInfo: { status: 'Accepted' } }));
const periods = (n: number) => Array.from({ length: n }, (_, i) => ({ startPeriod: i * 60, limit: 16 }));
const txProfile = (o: { stackLevel?: number; unit?: string; periods?: number } = {}) => ({
  chargingProfileId: 42, stackLevel: o.stackLevel ?? 0, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative',
  chargingSchedule: { chargingRateUnit: o.unit ?? 'A', chargingSchedulePeriod: periods(o.periods ?? 1) },
});

describe('commands within the limits the station reported (guide §2.2, §2.4, §2.6)', () => {
  const { ocpp, booted, command } = ocppSuite({ OCPP_CALL_TIMEOUT_MS: '1000' });

  /** A charger reporting `keys` at onboarding, once its configuration is stored. */
  async function onboarded(keys: Record<string, string>, identity = uniqueStation('LIM')): Promise<ChargePoint16> {
    const cp = await booted(identity, (c) => readOnlyConfiguration(c, keys));
    const read = async () => ((await ocpp().db.query(`SELECT configuration_read_at IS NOT NULL AS read FROM stations WHERE id = $1`, [identity])) as { read: boolean }[])[0]?.read;
    expect(await eventually(async () => (await read()) === true)).toBe(true);
    return cp;
  }

  it('SendLocalListMaxLength 2: a 3-entry list is a 400 naming the field and the limit, never sent; 2 entries go', async () => {
    const cp = await onboarded({ SendLocalListMaxLength: '2' });
    const got = counting(cp, ['SendLocalList']);
    const res = await command(cp.identity, 'SendLocalList', { listVersion: 3, updateType: 'Differential', localAuthorizationList: tags(3) });
    expect(res).toMatchObject({ status: 400, body: { code: 'InvalidRequest', details: { errors: [expect.objectContaining({ path: '/localAuthorizationList', params: expect.objectContaining({ limit: 2 }) })] } } });
    expect(res.body.description).toContain('SendLocalListMaxLength');
    expect(got['SendLocalList']).toBeUndefined();
    expect(await command(cp.identity, 'SendLocalList', { listVersion: 3, updateType: 'Differential', localAuthorizationList: tags(2) })).toMatchObject({ status: 200 });
    expect(got['SendLocalList']).toBe(1);
  });

  it('an offline station gets the same 400 from its stored configuration, not 503', async () => {
    const cp = await onboarded({ SendLocalListMaxLength: '2' });
    await cp.stop();
    const within = { listVersion: 3, updateType: 'Differential', localAuthorizationList: tags(2) };
    expect(await eventually(async () => (await command(cp.identity, 'SendLocalList', within)).status === 503)).toBe(true);
    const res = await command(cp.identity, 'SendLocalList', { ...within, localAuthorizationList: tags(3) });
    expect(res).toMatchObject({ status: 400, body: { code: 'InvalidRequest', details: { errors: [expect.objectContaining({ path: '/localAuthorizationList' })] } } });
  });

  it('LocalAuthListMaxLength 3: a Full update of 4 is a 400; a Differential of 4 goes (only the charger knows the size)', async () => {
    const cp = await onboarded({ LocalAuthListMaxLength: '3' });
    const got = counting(cp, ['SendLocalList']);
    const res = await command(cp.identity, 'SendLocalList', { listVersion: 4, updateType: 'Full', localAuthorizationList: tags(4) });
    expect(res).toMatchObject({ status: 400, body: { details: { errors: [expect.objectContaining({ path: '/localAuthorizationList', params: expect.objectContaining({ limit: 3 }) })] } } });
    expect(got['SendLocalList']).toBeUndefined();
    expect((await command(cp.identity, 'SendLocalList', { listVersion: 5, updateType: 'Differential', localAuthorizationList: tags(4) })).status).toBe(200);
  });

  it('GetConfigurationMaxKeys, ChargingScheduleMaxPeriods, ChargeProfileMaxStackLevel, ChargingScheduleAllowedChargingRateUnit', async () => {
    const cp = await onboarded({ GetConfigurationMaxKeys: '2', ChargingScheduleMaxPeriods: '2', ChargeProfileMaxStackLevel: '1', ChargingScheduleAllowedChargingRateUnit: 'Current' });
    const got = counting(cp, ['SetChargingProfile', 'RemoteStartTransaction']);
    const refused: [string, Record<string, unknown>, string][] = [
      ['GetConfiguration', { key: ['A', 'B', 'C'] }, '/key'],
      ['SetChargingProfile', { connectorId: 1, csChargingProfiles: txProfile({ periods: 3 }) }, '/csChargingProfiles/chargingSchedule/chargingSchedulePeriod'],
      ['SetChargingProfile', { connectorId: 1, csChargingProfiles: txProfile({ stackLevel: 2 }) }, '/csChargingProfiles/stackLevel'],
      ['SetChargingProfile', { connectorId: 1, csChargingProfiles: txProfile({ unit: 'W' }) }, '/csChargingProfiles/chargingSchedule/chargingRateUnit'],
      ['RemoteStartTransaction', { idTag: 'LIM-T', connectorId: 1, chargingProfile: txProfile({ periods: 3 }) }, '/chargingProfile/chargingSchedule/chargingSchedulePeriod'],
    ];
    for (const [action, payload, path] of refused) {
      const res = await command(cp.identity, action, payload);
      expect({ action, path, res }).toMatchObject({ action, path, res: { status: 400, body: { code: 'InvalidRequest', details: { errors: [expect.objectContaining({ path })] } } } });
    }
    expect(got).toEqual({});
    expect((await command(cp.identity, 'GetConfiguration', { key: ['GetConfigurationMaxKeys', 'ChargingScheduleMaxPeriods'] })).status).toBe(200);
    expect((await command(cp.identity, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: txProfile({ stackLevel: 1, periods: 2 }) })).status).toBe(200);
    expect(got['SetChargingProfile']).toBe(1);
  });

  it('a station that has not reported a limit gets the command', async () => {
    const cp = await onboarded({ NumberOfConnectors: '1' });
    const got = counting(cp, ['SendLocalList']);
    expect((await command(cp.identity, 'SendLocalList', { listVersion: 6, updateType: 'Full', localAuthorizationList: tags(5) })).status).toBe(200);
    expect(got['SendLocalList']).toBe(1);
  });
});
