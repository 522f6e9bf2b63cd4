import { eventually } from '@cpo/testing';
import { startFakePartner, type FakePartner } from './fake-partner.js';
import { startHub, type Hub } from './hub-fixture.js';

describe('HubClientInfo and the still-alive check', () => {
  let hub: Hub;
  let cpo: FakePartner;
  let emsp: FakePartner;
  let flaky: FakePartner;

  beforeAll(async () => {
    hub = await startHub({ OCPI_STILL_ALIVE_AFTER_MS: '300', OCPI_STILL_ALIVE_INTERVAL_MS: '150' });
    cpo = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'NL', partyId: 'HC1', role: 'CPO' }] });
    emsp = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'HE1', role: 'EMSP' }] });
    flaky = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'HE2', role: 'EMSP' }] });
    for (const p of [cpo, emsp, flaky]) await hub.register(p);
  });
  afterAll(async () => {
    await Promise.all([cpo, emsp, flaky].filter(Boolean).map((p) => p.close().catch(() => undefined)));
    await hub?.close();
  });

  const infos = (p: FakePartner, about: string) => p.calls('hubclientinfo', 'PUT').filter((c) => c.path.endsWith(about)).map((c) => (c.body as { status: string }).status);

  it('an agreement tells both sides CONNECTED; revoking it tells them SUSPENDED', async () => {
    const id = await hub.agree(cpo, emsp);
    expect(await eventually(() => infos(emsp, '/NL/HC1').includes('CONNECTED') && infos(cpo, '/FR/HE1').includes('CONNECTED'))).toBe(true);
    const put = emsp.calls('hubclientinfo', 'PUT')[0];
    expect(put.body).toMatchObject({ country_code: 'NL', party_id: 'HC1', role: 'CPO', status: 'CONNECTED', last_updated: expect.any(String) });
    const list = await cpo.fetchJson('GET', cpo.hubUrl('hubclientinfo', 'SENDER'));
    expect(list.body.data).toEqual([expect.objectContaining({ party_id: 'HE1', status: 'CONNECTED' })]);
    expect((await hub.api('DELETE', `agreements/${id}`)).status).toBe(204);
    expect(await eventually(() => infos(emsp, '/NL/HC1').includes('SUSPENDED') && infos(cpo, '/FR/HE1').includes('SUSPENDED'))).toBe(true);
    expect((await cpo.fetchJson('GET', cpo.hubUrl('hubclientinfo', 'SENDER'))).body.data).toEqual([]);
  });

  it('a silent partner that no longer answers becomes OFFLINE, and its counterparts hear it', async () => {
    await hub.agree(cpo, flaky);
    expect(await eventually(() => infos(cpo, '/FR/HE2').includes('CONNECTED'))).toBe(true);
    await flaky.close();
    const status = async () => ((await hub.api('GET', 'connections')).body as unknown as { name: string; status: string }[]).find((c) => c.name === 'fake-HE2')?.status;
    expect(await eventually(async () => (await status()) === 'OFFLINE', 15_000)).toBe(true);
    expect(await eventually(() => infos(cpo, '/FR/HE2').includes('OFFLINE'))).toBe(true);
    // The live partners were checked too and stay CONNECTED.
    const cpoStatus = ((await hub.api('GET', 'connections')).body as unknown as { name: string; status: string }[]).find((c) => c.name === 'fake-HC1')?.status;
    expect(cpoStatus).toBe('CONNECTED');
  });
});
