import { createHash, createHmac } from 'node:crypto';
import { setPersonalDataKey } from '@cpo/platform';
import { captureLogs, eventually } from '@cpo/testing';
import { idTagRef } from '../src/log-redaction.js';
import { api, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

/** The part of a request log line these tests read. */
type RequestLine = { req?: { method?: string; url?: string }; res?: { statusCode?: number } };

describe('OCPP request log: no idTag in clear in the logged URL', () => {
  const logs = captureLogs();
  let h: OcppHarness;
  beforeAll(async () => {
    h = await startOcpp({ LOG_LEVEL: 'info' }, undefined, { logDestination: logs.destination });
  });
  afterAll(() => h?.close());

  const logged = async (url: string) => {
    const find = () => (logs.lines as RequestLine[]).find((l) => l.req?.url === url);
    await eventually(() => find() !== undefined, 2_000);
    return find();
  };

  it('writes /api/v1/id-tags/{idTag} (and its sub-routes) and ?idTag= with the tag\'s idTagRef, the rest of the URL kept', async () => {
    const tag = uniqueStation('CARD').toUpperCase();
    const spaced = `${tag} 2`;
    expect((await api(h, 'PUT', `/api/v1/id-tags/${tag}`, { status: 'Accepted' })).status).toBe(201);
    await api(h, 'GET', `/api/v1/id-tags/${encodeURIComponent(spaced)}`);
    expect((await api(h, 'GET', `/api/v1/id-tags/${tag.toLowerCase()}/local-lists?limit=5`)).status).toBe(200);
    expect((await api(h, 'GET', `/api/v1/transactions?idTag=${tag}&limit=5`)).status).toBe(200);

    const ref = `ref:${idTagRef(tag)}`;
    expect(await logged(`/api/v1/id-tags/${ref}`)).toMatchObject({ req: { method: 'PUT' }, res: { statusCode: 201 } });
    expect(await logged(`/api/v1/id-tags/ref:${idTagRef(spaced)}`)).toBeDefined();
    expect(await logged(`/api/v1/id-tags/${ref}/local-lists?limit=5`)).toBeDefined();
    expect(await logged(`/api/v1/transactions?idTag=${ref}&limit=5`)).toBeDefined();
    const text = logs.text().toLowerCase();
    expect(text).not.toContain(tag.toLowerCase());
    expect(text).not.toContain(encodeURIComponent(spaced).toLowerCase());
  });
});

describe('OCPP request log under LOG_PERSONAL_DATA_KEY: the ref is keyed', () => {
  const KEY = 'ocpp-test-log-personal-data-key-0123456789';
  const logs = captureLogs();
  let h: OcppHarness;
  beforeAll(async () => {
    h = await startOcpp({ LOG_LEVEL: 'info', LOG_PERSONAL_DATA_KEY: KEY }, undefined, { logDestination: logs.destination });
  });
  afterAll(async () => {
    await h?.close();
    setPersonalDataKey(undefined); // the app set it for the process (PlatformModule.forRoot)
  });

  it('writes ref:{first 12 hex digits of HMAC-SHA256(key, lower-cased tag)}, not the unkeyed ref', async () => {
    const tag = uniqueStation('CARD').toUpperCase();
    expect((await api(h, 'PUT', `/api/v1/id-tags/${tag}`, { status: 'Accepted' })).status).toBe(201);

    const keyed = createHmac('sha256', KEY).update(tag.toLowerCase()).digest('hex').slice(0, 12);
    const unkeyed = createHash('sha256').update(tag.toLowerCase()).digest('hex').slice(0, 12);
    const find = () => (logs.lines as RequestLine[]).find((l) => l.req?.url === `/api/v1/id-tags/ref:${keyed}`);
    await eventually(() => find() !== undefined, 2_000);
    expect(find()).toMatchObject({ req: { method: 'PUT' }, res: { statusCode: 201 } });
    const text = logs.text().toLowerCase();
    expect(text).not.toContain(unkeyed);
    expect(text).not.toContain(tag.toLowerCase());
    expect(text).not.toContain(KEY);
  });
});
