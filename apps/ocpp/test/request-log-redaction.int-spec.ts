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
