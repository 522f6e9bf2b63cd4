import { eventually } from '@cpo/testing';
import { ok, startFakePartner, type FakePartner } from './fake-partner.js';
import { startHub, type Hub } from './hub-fixture.js';

const session = (id: string) => ({
  country_code: 'NL',
  party_id: 'CP1',
  id,
  start_date_time: '2024-07-01T10:00:00Z',
  kwh: 0,
  cdr_token: { uid: 'U1', type: 'RFID', contract_id: 'FR-PE1-C1' },
  auth_method: 'WHITELIST',
  location_id: 'LOC1',
  evse_uid: '3256',
  connector_id: '1',
  currency: 'EUR',
  status: 'ACTIVE',
  last_updated: '2024-07-01T10:00:00Z',
});
const profile = { charging_rate_unit: 'W', charging_profile_period: [{ start_period: 0, limit: 7400 }] };

describe('charging profiles', () => {
  let hub: Hub;
  let cpo: FakePartner; // 2.2.1 NL/CP1
  let emsp: FakePartner; // 2.2.1 FR/PE1
  let emsp211: FakePartner; // 2.1.1 FR/PE2 (custom module)

  beforeAll(async () => {
    hub = await startHub();
    cpo = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'NL', partyId: 'CP1', role: 'CPO' }], modules: ['credentials', 'tokens', 'sessions', 'chargingprofiles'] });
    const emspModules = ['credentials', 'locations', 'tokens', 'sessions', 'cdrs', 'tariffs', 'commands', 'chargingprofiles'];
    emsp = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'PE1', role: 'EMSP' }], modules: emspModules });
    emsp211 = await startFakePartner({ version: '2.1.1', parties: [{ countryCode: 'FR', partyId: 'PE2', role: 'EMSP' }], modules: emspModules });
    cpo.on('PUT', /^\/chargingprofiles\//, () => ({ body: ok({ result: 'ACCEPTED', timeout: 30 }) }));
    cpo.on('DELETE', /^\/chargingprofiles\//, () => ({ body: ok({ result: 'ACCEPTED', timeout: 30 }) }));
    for (const p of [cpo, emsp, emsp211]) await hub.register(p);
    await hub.agree(cpo, emsp);
    await hub.agree(cpo, emsp211);
    const put = (id: string, to: string) =>
      cpo.fetchJson('PUT', `${cpo.hubUrl('sessions', 'RECEIVER')}/NL/CP1/${id}`, session(id), undefined, { 'OCPI-to-country-code': 'FR', 'OCPI-to-party-id': to });
    expect((await put('S1', 'PE1')).body.status_code).toBe(1000);
    expect((await put('S2', 'PE2')).body.status_code).toBe(1000);
  });
  afterAll(async () => {
    await Promise.all([cpo, emsp, emsp211].filter(Boolean).map((p) => p.close()));
    await hub?.close();
  });

  it('SetChargingProfile goes to the session’s CPO with a hub response_url; the result reaches the eMSP', async () => {
    const res = await emsp.fetchJson('PUT', `${emsp.hubUrl('chargingprofiles', 'RECEIVER')}/S1`, { charging_profile: profile, response_url: `${emsp.baseUrl}/cp/set/1` });
    expect(res.body).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED', timeout: 30 } });
    const forwarded = cpo.calls('chargingprofiles', 'PUT')[0];
    const callback = (forwarded.body as { response_url: string }).response_url;
    expect(callback).toMatch(/\/ocpi\/2\.2\.1\/sender\/chargingprofiles\/SET\/[0-9a-f-]{36}$/);
    expect(forwarded.body).toMatchObject({ charging_profile: profile });

    // A ClearProfileResult posted to a SET callback is refused: results reach only the right waiter.
    expect((await cpo.fetchJson('POST', callback.replace('/SET/', '/CLEAR/'), { result: 'ACCEPTED' })).status).toBe(404);
    expect((await cpo.fetchJson('POST', callback, { result: 'ACCEPTED' })).body.status_code).toBe(1000);
    expect(await eventually(() => emsp.received.some((r) => r.path === '/cp/set/1'))).toBe(true);
    expect(emsp.received.find((r) => r.path === '/cp/set/1')!.body).toEqual({ result: 'ACCEPTED' });
  });

  it('ClearProfile over the 2.1.1 custom module is routed the same way', async () => {
    const res = await emsp211.fetchJson('DELETE', `${emsp211.hubUrl('chargingprofiles')}/S2?response_url=${encodeURIComponent(`${emsp211.baseUrl}/cp/clear/2`)}`);
    expect(res.body).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED' } });
    const forwarded = cpo.calls('chargingprofiles', 'DELETE')[0];
    const callback = forwarded.query.get('response_url')!;
    expect(callback).toMatch(/\/chargingprofiles\/CLEAR\//);
    expect((await cpo.fetchJson('POST', callback, { result: 'ACCEPTED' })).body.status_code).toBe(1000);
    expect(await eventually(() => emsp211.received.some((r) => r.path === '/cp/clear/2'))).toBe(true);
  });

  it('another eMSP’s session or an unknown one → 2001; a bad profile → 2001', async () => {
    const url = (id: string) => `${emsp.hubUrl('chargingprofiles', 'RECEIVER')}/${id}`;
    expect((await emsp.fetchJson('PUT', url('S2'), { charging_profile: profile, response_url: `${emsp.baseUrl}/x` })).body.status_code).toBe(2001);
    expect((await emsp.fetchJson('PUT', url('NOPE'), { charging_profile: profile, response_url: `${emsp.baseUrl}/x` })).body.status_code).toBe(2001);
    expect((await emsp.fetchJson('PUT', url('S1'), { charging_profile: { charging_rate_unit: 'kW' }, response_url: `${emsp.baseUrl}/x` })).body.status_code).toBe(2001);
  });

  it('a CPO’s ActiveChargingProfile update goes to the SCSP/eMSP of the session only (2.2.1 Sender, 2.1.1 custom module)', async () => {
    const active = { start_date_time: '2024-07-01T10:05:00Z', charging_profile: profile };
    const res = await cpo.fetchJson('PUT', `${cpo.hubUrl('chargingprofiles', 'SENDER')}/S1`, active);
    expect(res.body.status_code).toBe(1000);
    const got = emsp.calls('chargingprofiles', 'PUT');
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ path: '/chargingprofiles/sender/S1', body: active });
    expect(got[0].headers).toMatchObject({ 'ocpi-from-party-id': 'CP1', 'ocpi-to-party-id': 'PE1' });
    expect(emsp211.calls('chargingprofiles', 'PUT')).toHaveLength(0);

    expect((await cpo.fetchJson('PUT', `${cpo.hubUrl('chargingprofiles', 'SENDER')}/S2`, active)).body.status_code).toBe(1000);
    expect(emsp211.calls('chargingprofiles', 'PUT').map((c) => c.path)).toEqual(['/chargingprofiles/S2']);

    // Unknown session, bad body: 2001 and nothing sent; an eMSP cannot push updates.
    expect((await cpo.fetchJson('PUT', `${cpo.hubUrl('chargingprofiles', 'SENDER')}/NOPE`, active)).body.status_code).toBe(2001);
    expect((await cpo.fetchJson('PUT', `${cpo.hubUrl('chargingprofiles', 'SENDER')}/S1`, { charging_profile: profile })).body.status_code).toBe(2001);
    expect((await emsp.fetchJson('PUT', `${emsp.hubUrl('chargingprofiles', 'SENDER')}/S1`, active)).body.status_code).toBe(2001);
    expect(emsp.calls('chargingprofiles', 'PUT')).toHaveLength(1);
  });
});
