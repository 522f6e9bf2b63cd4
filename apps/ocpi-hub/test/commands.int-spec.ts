import { eventually } from '@cpo/testing';
import { sampleLocation211, sampleLocation221 } from '@cpo/ocpi-protocol';
import { ok, startFakePartner, type FakePartner } from './fake-partner.js';
import { startHub, type Hub } from './hub-fixture.js';

describe('commands', () => {
  let hub: Hub;
  let cpo: FakePartner; // 2.2.1 NL/CM1: LOC-A, LOC-SHARED
  let cpo211: FakePartner; // 2.1.1 NL/CM2: LOC-B (slow), LOC-SHARED
  let emsp: FakePartner; // 2.2.1 FR/CE1
  let emsp211: FakePartner; // 2.1.1 FR/CE2

  beforeAll(async () => {
    hub = await startHub({ OCPI_COMMAND_TIMEOUT_MS: '400' });
    cpo = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'NL', partyId: 'CM1', role: 'CPO' }] });
    cpo211 = await startFakePartner({ version: '2.1.1', parties: [{ countryCode: 'NL', partyId: 'CM2', role: 'CPO' }] });
    emsp = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'CE1', role: 'EMSP' }] });
    emsp211 = await startFakePartner({ version: '2.1.1', parties: [{ countryCode: 'FR', partyId: 'CE2', role: 'EMSP' }] });
    cpo.on('POST', /^\/commands\/(START_SESSION|RESERVE_NOW|CANCEL_RESERVATION)$/, () => ({ body: ok({ result: 'ACCEPTED', timeout: 30 }) }));
    cpo211.on('POST', /^\/commands\//, () => ({ delayMs: 1500, body: ok({ result: 'ACCEPTED' }) }));
    for (const p of [cpo, cpo211, emsp, emsp211]) await hub.register(p);
    await hub.agree(cpo, emsp);
    await hub.agree(cpo211, emsp);
    await hub.agree(cpo211, emsp211);
    const put = (p: FakePartner, url: string, body: unknown) => p.fetchJson('PUT', `${p.hubUrl('locations', 'RECEIVER')}/${url}`, body);
    expect((await put(cpo, 'NL/CM1/LOC-A', sampleLocation221({ countryCode: 'NL', partyId: 'CM1', id: 'LOC-A' }))).body.status_code).toBe(1000);
    expect((await put(cpo, 'NL/CM1/LOC-SHARED', sampleLocation221({ countryCode: 'NL', partyId: 'CM1', id: 'LOC-SHARED' }))).body.status_code).toBe(1000);
    expect((await put(cpo211, 'NL/CM2/LOC-B', sampleLocation211({ id: 'LOC-B' }))).body.status_code).toBe(1000);
    expect((await put(cpo211, 'NL/CM2/LOC-SHARED', sampleLocation211({ id: 'LOC-SHARED' }))).body.status_code).toBe(1000);
  });
  afterAll(async () => {
    await Promise.all([cpo, cpo211, emsp, emsp211].filter(Boolean).map((p) => p.close()));
    await hub?.close();
  });

  const start = (p: FakePartner, locationId: string, headers: Record<string, string> = {}) =>
    p.fetchJson(
      'POST',
      `${p.hubUrl('commands', 'RECEIVER')}/START_SESSION`,
      { response_url: `${p.baseUrl}/callbacks/start/1`, token: { uid: 'TOK1', type: 'RFID', contract_id: 'FR-CE1-1' }, location_id: locationId, authorization_reference: 'auth-ref-1' },
      undefined,
      { 'X-Correlation-ID': 'cmd-corr-1', ...headers },
    );

  it('START_SESSION goes to the owning CPO with a hub response_url; the async result reaches the eMSP’s URL', async () => {
    const res = await start(emsp, 'LOC-A');
    expect(res.body).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED', timeout: 30 } });
    const [forwarded] = cpo.calls('commands', 'POST');
    const body = forwarded.body as { response_url: string; authorization_reference: string; location_id: string };
    expect(body.authorization_reference).toBe('auth-ref-1');
    expect(body.location_id).toBe('LOC-A');
    expect(body.response_url).toMatch(/\/ocpi\/2\.2\.1\/sender\/commands\/START_SESSION\/[0-9a-f-]{36}$/);
    expect(body.response_url).not.toContain(emsp.baseUrl);
    expect(forwarded.headers['ocpi-from-party-id']).toBe('CE1');

    // Another CPO cannot answer it; the owner can.
    const intruder = await cpo211.fetchJson('POST', body.response_url.replace('/2.2.1/sender/', '/emsp-face/2.1.1/'), { result: 'ACCEPTED' });
    expect(intruder.status).toBe(404);
    const result = await cpo.fetchJson('POST', body.response_url, { result: 'ACCEPTED' });
    expect(result.body.status_code).toBe(1000);
    expect(await eventually(() => emsp.received.some((r) => r.path === '/callbacks/start/1'))).toBe(true);
    const callback = emsp.received.find((r) => r.path === '/callbacks/start/1')!;
    expect(callback.body).toEqual({ result: 'ACCEPTED' });
    expect(callback.headers['x-correlation-id']).toBe('cmd-corr-1');
    expect(callback.headers.authorization).toBe(`Token ${Buffer.from(emsp.tokenB).toString('base64')}`);
  });

  it('a location several agreed CPOs use needs TO (2001); an unknown one is 2003', async () => {
    expect((await start(emsp, 'LOC-SHARED')).body.status_code).toBe(2001);
    expect((await start(emsp, 'NOWHERE')).body.status_code).toBe(2003);
    const routed = await start(emsp, 'LOC-SHARED', { 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'CM1' });
    expect(routed.body.status_code).toBe(1000);
  });

  it('a CPO that does not answer in time: 4002 on 2.2.1, 3000 with the meaning on 2.1.1', async () => {
    const res = await start(emsp, 'LOC-B');
    expect(res.body.status_code).toBe(4002);
    const old = await start(emsp211, 'LOC-B');
    expect(old.body.status_code).toBe(3000);
    expect(old.body.status_message).toMatch(/^hub 4002/);
  });

  it('refuses an unknown command and a malformed body', async () => {
    const bad = await emsp.fetchJson('POST', `${emsp.hubUrl('commands', 'RECEIVER')}/START_SESSION`, { location_id: 'LOC-A' });
    expect(bad.body.status_code).toBe(2001);
    const unknown = await emsp.fetchJson('POST', `${emsp.hubUrl('commands', 'RECEIVER')}/SELF_DESTRUCT`, {});
    expect(unknown.status).toBe(404);
  });

  it('CANCEL_RESERVATION without TO goes to the CPO its RESERVE_NOW went to; an unknown reservation needs TO (2001)', async () => {
    const command = (type: string, body: Record<string, unknown>) =>
      emsp.fetchJson('POST', `${emsp.hubUrl('commands', 'RECEIVER')}/${type}`, { response_url: `${emsp.baseUrl}/callbacks/${type}`, ...body });
    const reserve = await command('RESERVE_NOW', { token: { uid: 'TOK1', type: 'RFID', contract_id: 'FR-CE1-1' }, expiry_date: '2030-01-01T00:00:00Z', reservation_id: 'RES-9', location_id: 'LOC-A' });
    expect(reserve.body.status_code).toBe(1000);
    expect((await command('CANCEL_RESERVATION', { reservation_id: 'RES-9' })).body).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED' } });
    const cancel = cpo.calls('commands', 'POST').find((c) => c.path === '/commands/CANCEL_RESERVATION')!;
    expect(cancel.body).toMatchObject({ reservation_id: 'RES-9' });
    expect(cancel.headers['ocpi-from-party-id']).toBe('CE1');
    expect((await command('CANCEL_RESERVATION', { reservation_id: 'RES-UNKNOWN' })).body.status_code).toBe(2001);
  });
});
