import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { api, ocppSuite, send, uniqueStation, upgradeStatus } from './harness.js';

// CommonJS modules: their default export is the module's `default` (as in the ocpp-protocol validator).
const AjvDraft04 = AjvDraft04Module.default;
const addFormats = addFormatsModule.default;

/** Ids a registered station might be given: strict identifiers, legacy-only ones, and ones never allowed. */
const candidates = () => {
  const u = uniqueStation('').slice(1);
  return [`CP${u}`, `a*b|c@d=e+f.${u}`, `XT SP${u}`, `CP#${u}`, `Ä${u}`, `CP%${u}`, `${u}${'x'.repeat(39)}`];
};

/**
 * A station registered by PUT that no charger can connect as was a 201, and then Offline to every
 * command: PUT /stations/{id} and the WebSocket upgrade must take exactly the same ids.
 */
async function putAndConnect(h: ReturnType<ReturnType<typeof ocppSuite>['ocpp']>, id: string) {
  const put = await api(h, 'PUT', `/api/v1/stations/${encodeURIComponent(id)}`, { registrationStatus: 'Accepted' });
  const upgrade = await upgradeStatus(`${h.wsUrl}/${encodeURIComponent(id)}`);
  return { id, registered: put.status === 201, connects: upgrade === 101, put };
}

describe('OCPP operator views (exploratory review): station ids the WebSocket refuses', () => {
  const { ocpp, booted } = ocppSuite();

  it('PUT /stations refuses, with 400 naming the rule, an id a charger could not connect with (legacy identities off), and takes the ones it can', async () => {
    const results = [];
    for (const id of candidates()) results.push(await putAndConnect(ocpp(), id));
    for (const r of results) expect({ id: r.id, registered: r.registered }).toEqual({ id: r.id, registered: r.connects });
    expect(results.filter((r) => r.registered).map((r) => r.id)).toHaveLength(3);
    const spaced = results.find((r) => r.id.startsWith('XT SP'))!;
    expect(spaced.put).toMatchObject({ status: 400, body: { details: { stationId: expect.stringContaining('OCPP_LEGACY_IDENTITIES') } } });
    expect((await api(ocpp(), 'GET', `/api/v1/stations/${encodeURIComponent(spaced.id)}`)).status).toBe(404);
  });

  it('GET /transactions?idTag= finds a transaction started with an idTag longer than 20 characters (stored, answered Invalid)', async () => {
    const cp = await booted();
    const idTag = `LONG-${uniqueStation('').slice(1)}-0123456789`;
    expect(idTag.length).toBeGreaterThan(20);
    // Past the IdToken's 20 characters: the simulator would refuse to send it.
    const started = (await cp.call('StartTransaction', { connectorId: 1, idTag, meterStart: 0, timestamp: new Date().toISOString() }, { suppress: false, skipSchemaValidation: true })) as {
      transactionId: number;
      idTagInfo: { status: string };
    };
    expect(started.idTagInfo.status).toBe('Invalid');
    const found = await api(ocpp(), 'GET', `/api/v1/transactions?idTag=${encodeURIComponent(idTag.toLowerCase())}`);
    expect(found).toMatchObject({ status: 200, body: { total: 1, items: [{ transactionId: started.transactionId, idTag }] } });
    expect((await api(ocpp(), 'GET', `/api/v1/transactions?idTag=${'A'.repeat(256)}`)).status).toBe(400);
  });
});

describe('OCPP operator views (exploratory review): the documented rows are what is returned', () => {
  const { ocpp, booted } = ocppSuite();

  it("a station, its lists and a running transaction's rows validate against the 200 schemas of /docs-json", async () => {
    const doc = (await fetch(`${ocpp().app.baseUrl}/docs-json`).then((r) => r.json())) as object;
    const ajv = addFormats(new AjvDraft04({ strict: false, allErrors: true })).addSchema(doc, 'openapi.json');
    const cp = await booted();
    await send(cp, 'StatusNotification', { connectorId: 1, status: 'Preparing', errorCode: 'NoError' });
    const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'ROWS-TAG', meterStart: 1000, timestamp: new Date().toISOString() });
    const sampledValue = [{ value: '1500', measurand: 'Energy.Active.Import.Register' as const, unit: 'Wh' as const }];
    await send(cp, 'MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: new Date().toISOString(), sampledValue }] });
    await send(cp, 'DataTransfer', { vendorId: 'com.example', messageId: 'hello', data: 'x' });
    const id = encodeURIComponent(cp.identity);
    const routes: [string, string][] = [
      ['/api/v1/stations/{stationId}', `/api/v1/stations/${id}`],
      ['/api/v1/stations', `/api/v1/stations?limit=1000`],
      ['/api/v1/transactions', `/api/v1/transactions?stationId=${id}`],
      ['/api/v1/stations/{stationId}/meter-values', `/api/v1/stations/${id}/meter-values`],
      ['/api/v1/stations/{stationId}/messages', `/api/v1/stations/${id}/messages`],
    ];
    for (const [route, url] of routes) {
      const { status, body } = await api(ocpp(), 'GET', url);
      expect({ url, status }).toEqual({ url, status: 200 });
      const schema = `openapi.json#/paths/${route.replaceAll('/', '~1')}/get/responses/200/content/application~1json/schema`;
      const validate = ajv.compile({ $ref: schema });
      expect({ route, valid: validate(body), errors: validate.errors ?? null }).toEqual({ route, valid: true, errors: null });
    }
    expect((await api(ocpp(), 'GET', `/api/v1/transactions?stationId=${id}`)).body.items).toHaveLength(1);
  });
});

describe('OCPP operator views (exploratory review): station ids with legacy identities on', () => {
  const { ocpp } = ocppSuite({ OCPP_LEGACY_IDENTITIES: 'true' });

  it('PUT /stations takes what a legacy charger may connect with (a space, #, non-ASCII) and still refuses what none may', async () => {
    const results = [];
    for (const id of [...candidates(), `CP\u0007${uniqueStation('')}`]) results.push(await putAndConnect(ocpp(), id));
    for (const r of results) expect({ id: r.id, registered: r.registered }).toEqual({ id: r.id, registered: r.connects });
    expect(results.filter((r) => r.registered).map((r) => r.id)).toHaveLength(7);
  });
});
