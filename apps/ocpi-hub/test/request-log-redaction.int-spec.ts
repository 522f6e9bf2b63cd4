import { randomUUID } from 'node:crypto';
import { sampleToken221 } from '@cpo/ocpi-protocol';
import { personalDataRef } from '@cpo/platform';
import { captureLogs, eventually } from '@cpo/testing';
import { startFakePartner, type FakePartner } from './fake-partner.js';
import { startHub, type Hub } from './hub-fixture.js';

type Line = { msg?: string; req?: { method?: string; url?: string }; path?: string; context?: string };

describe('hub request log: no token uid in clear in the logged URL', () => {
  const logs = captureLogs();
  let hub: Hub;
  let emsp: FakePartner;
  let cpo: FakePartner;
  beforeAll(async () => {
    hub = await startHub({ LOG_LEVEL: 'debug' }, { logDestination: logs.destination });
    emsp = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'LGR', role: 'EMSP' }] });
    await hub.register(emsp);
    cpo = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'NL', partyId: 'LGC', role: 'CPO' }] });
    await hub.register(cpo);
  });
  afterAll(async () => {
    await emsp?.close();
    await cpo?.close();
    await hub?.close();
  });

  const lineWith = async (match: (l: Line) => boolean) => {
    await eventually(() => (logs.lines as Line[]).some(match), 2_000);
    return (logs.lines as Line[]).find(match);
  };

  it('writes /tokens/{cc}/{pid}/{uid} and /tokens/{uid}/authorize with the uid\'s ref, in the request line, the guard\'s and the OCPI filter\'s', async () => {
    const uid = `RFID-${randomUUID().slice(0, 8).toUpperCase()}`;
    const ref = `ref:${personalDataRef(uid)}`;
    const put = await emsp.fetchJson('PUT', `${emsp.hubUrl('tokens', 'RECEIVER')}/FR/LGR/${uid}?type=RFID`, sampleToken221({ uid, countryCode: 'FR', partyId: 'LGR' }));
    expect(put.body.status_code).toBe(1000);
    const putUrl = `/ocpi/2.2.1/receiver/tokens/FR/LGR/${ref}?type=RFID`;
    expect(await lineWith((l) => l.req?.url === putUrl)).toMatchObject({ msg: 'request completed', req: { method: 'PUT' } });
    expect(await lineWith((l) => l.msg === 'ocpi request' && l.path === `/ocpi/2.2.1/receiver/tokens/FR/LGR/${ref}`)).toBeDefined();

    // Refused before any partner is known (no token): the OCPI filter logs the path.
    const refused = await fetch(`${hub.t.baseUrl}/ocpi/emsp-face/2.1.1/tokens/${encodeURIComponent(`${uid} X`)}/authorize`, { method: 'POST' });
    expect(refused.status).toBe(401);
    const refusedPath = `/ocpi/emsp-face/2.1.1/tokens/ref:${personalDataRef(`${uid} X`)}/authorize`;
    expect(await lineWith((l) => l.req?.url === refusedPath)).toMatchObject({ res: { statusCode: 401 } });
    expect(await lineWith((l) => l.msg === 'ocpi request refused' && l.path === refusedPath)).toBeDefined();

    // Unknown to every eMSP: refused with 2004, and the refusal line's error names no uid either.
    const unknown = await cpo.fetchJson('POST', `${cpo.hubUrl('tokens', 'SENDER')}/${uid}-U/authorize`, {});
    expect(unknown.body.status_code).toBe(2004);
    expect(await lineWith((l) => l.msg === 'ocpi request refused' && l.path === `/ocpi/2.2.1/sender/tokens/ref:${personalDataRef(`${uid}-U`)}/authorize`)).toBeDefined();

    const text = logs.text().toLowerCase();
    expect(text).not.toContain(uid.toLowerCase());
  });
});
