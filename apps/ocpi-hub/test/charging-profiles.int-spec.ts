import { sampleLocation211 } from '@cpo/ocpi-protocol';
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
  let emsp211: FakePartner; // 2.1.1 FR/PE2 (custom module, enabled in its agreement)
  let emsp211off: FakePartner; // 2.1.1 FR/PE3 (agreement without the extension)
  let cpo211: FakePartner; // 2.1.1 NL/CP2 (offers the custom module; agreement with FR/PE1 without it)
  let offAgreement: string;
  let cpo211Agreement: string;

  beforeAll(async () => {
    hub = await startHub();
    cpo = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'NL', partyId: 'CP1', role: 'CPO' }], modules: ['credentials', 'tokens', 'sessions', 'chargingprofiles'] });
    const emspModules = ['credentials', 'locations', 'tokens', 'sessions', 'cdrs', 'tariffs', 'commands', 'chargingprofiles'];
    emsp = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'PE1', role: 'EMSP' }], modules: emspModules });
    emsp211 = await startFakePartner({ version: '2.1.1', parties: [{ countryCode: 'FR', partyId: 'PE2', role: 'EMSP' }], modules: emspModules });
    emsp211off = await startFakePartner({ version: '2.1.1', parties: [{ countryCode: 'FR', partyId: 'PE3', role: 'EMSP' }], modules: emspModules });
    cpo211 = await startFakePartner({ version: '2.1.1', parties: [{ countryCode: 'NL', partyId: 'CP2', role: 'CPO' }], modules: ['credentials', 'tokens', 'sessions', 'chargingprofiles'] });
    cpo.on('PUT', /^\/chargingprofiles\//, () => ({ body: ok({ result: 'ACCEPTED', timeout: 30 }) }));
    cpo.on('DELETE', /^\/chargingprofiles\//, () => ({ body: ok({ result: 'ACCEPTED', timeout: 30 }) }));
    cpo211.on('PUT', /^\/chargingprofiles\//, () => ({ body: ok({ result: 'ACCEPTED' }) }));
    for (const p of [cpo, emsp, emsp211, emsp211off, cpo211]) await hub.register(p);
    await hub.agree(cpo, emsp);
    await hub.agree(cpo, emsp211, { chargingProfiles211: true });
    offAgreement = await hub.agree(cpo, emsp211off);
    cpo211Agreement = await hub.agree(cpo211, emsp);
    // The custom module appears in version details once an agreement enables it: read them again.
    await emsp211.refreshHubEndpoints();
    const put = (id: string, to: string) =>
      cpo.fetchJson('PUT', `${cpo.hubUrl('sessions', 'RECEIVER')}/NL/CP1/${id}`, session(id), undefined, { 'OCPI-to-country-code': 'FR', 'OCPI-to-party-id': to });
    expect((await put('S1', 'PE1')).body.status_code).toBe(1000);
    expect((await put('S2', 'PE2')).body.status_code).toBe(1000);
    expect((await put('S4', 'PE3')).body.status_code).toBe(1000);
    const s3 = { id: 'S3', start_datetime: '2024-07-01T10:00:00Z', kwh: 0, auth_id: 'FR-PE1-C3', auth_method: 'WHITELIST', location: sampleLocation211(), currency: 'EUR', status: 'ACTIVE', last_updated: '2024-07-01T10:00:00Z' };
    expect((await cpo211.fetchJson('PUT', `${cpo211.hubUrl('sessions')}/NL/CP2/S3`, s3)).body.status_code).toBe(1000);
  });
  afterAll(async () => {
    await Promise.all([cpo, emsp, emsp211, emsp211off, cpo211].filter(Boolean).map((p) => p.close()));
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

  it('the 2.1.1 custom module is advertised and usable only where an agreement enables it (guide §7.8)', async () => {
    const ids = (endpoints: { identifier: string }[]) => endpoints.map((e) => e.identifier);
    expect(ids(emsp211.hubEndpoints)).toContain('chargingprofiles');
    expect(ids(await emsp211off.refreshHubEndpoints())).not.toContain('chargingprofiles');
    expect(ids(emsp211off.hubEndpoints)).toContain('commands');
    // 2.2.1 version details are not affected: chargingprofiles is a standard module there.
    expect(emsp.hubEndpoints.filter((e) => e.identifier === 'chargingprofiles')).toHaveLength(2);

    // Not offered → it does not exist for this connection: HTTP 404 with 2000, nothing forwarded.
    const url = `${emsp211off.hubUrl('credentials').replace(/credentials$/, 'chargingprofiles')}/S4`;
    const before = cpo.calls('chargingprofiles', 'PUT').length;
    const refused = await emsp211off.fetchJson('PUT', url, { charging_profile: profile, response_url: `${emsp211off.baseUrl}/cp/1` });
    expect(refused.status).toBe(404);
    expect(refused.body.status_code).toBe(2000);
    expect(cpo.calls('chargingprofiles', 'PUT')).toHaveLength(before);

    // The operator enables it on the agreement: advertised, and the same request goes through.
    const patched = await hub.api('PATCH', `agreements/${offAgreement}`, { chargingProfiles211: true });
    expect(patched).toMatchObject({ status: 200, body: { id: offAgreement, chargingProfiles211: true } });
    expect(ids(await emsp211off.refreshHubEndpoints())).toContain('chargingprofiles');
    const accepted = await emsp211off.fetchJson('PUT', url, { charging_profile: profile, response_url: `${emsp211off.baseUrl}/cp/1` });
    expect(accepted.body).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED' } });
    expect(cpo.calls('chargingprofiles', 'PUT')).toHaveLength(before + 1);
    expect((await hub.api('PATCH', `agreements/${offAgreement}`, {})).status).toBe(400);
  });

  it('a 2.2.1 eMSP reaches a 2.1.1 CPO’s custom module only where their agreement enables it (else 4001)', async () => {
    const set = () => emsp.fetchJson('PUT', `${emsp.hubUrl('chargingprofiles', 'RECEIVER')}/S3`, { charging_profile: profile, response_url: `${emsp.baseUrl}/cp/s3` });
    expect((await set()).body.status_code).toBe(4001);
    expect(cpo211.calls('chargingprofiles')).toHaveLength(0);
    expect((await hub.api('PATCH', `agreements/${cpo211Agreement}`, { chargingProfiles211: true })).status).toBe(200);
    expect((await set()).body).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED' } });
    expect(cpo211.calls('chargingprofiles', 'PUT').map((c) => c.path)).toEqual(['/chargingprofiles/S3']);
  });
});
