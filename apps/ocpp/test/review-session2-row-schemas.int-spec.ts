import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { api, ocppSuite, send } from './harness.js';

const AjvDraft04 = AjvDraft04Module.default;
const addFormats = addFormatsModule.default;

/**
 * The row schemas of 67ea253 (views/row-schemas.ts) promise non-null values the views do return
 * as null: a sample of a measurand OCPP gives no unit (Frequency, Power.Factor, RPM) sent without
 * one is stored without unit (meter-samples.ts), and a station whose first SendLocalList was
 * refused (a charger without LocalAuthListManagement answers NotSupported) has a local_lists row
 * with list_version and entries NULL (LocalListRepository.refused). A client validating responses
 * against /docs-json refuses both.
 */
describe('review session 2: the documented rows admit what the views return', () => {
  const { ocpp, booted, command } = ocppSuite();

  const validator = async () => {
    const doc = (await fetch(`${ocpp().app.baseUrl}/docs-json`).then((r) => r.json())) as object;
    const ajv = addFormats(new AjvDraft04({ strict: false, allErrors: true })).addSchema(doc, 'openapi.json');
    return (route: string, body: unknown) => {
      const validate = ajv.compile({ $ref: `openapi.json#/paths/${route.replaceAll('/', '~1')}/get/responses/200/content/application~1json/schema` });
      return { route, valid: validate(body), errors: validate.errors ?? null };
    };
  };

  it('a Frequency sample sent without a unit validates against the meter-values row (unit: null returned, documented non-nullable)', async () => {
    const check = await validator();
    const cp = await booted();
    await send(cp, 'MeterValues', { connectorId: 1, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: '50.0', measurand: 'Frequency' }] }] });
    const { body } = await api(ocpp(), 'GET', `/api/v1/stations/${encodeURIComponent(cp.identity)}/meter-values`);
    expect(body.items).toEqual([expect.objectContaining({ measurand: 'Frequency', unit: null })]);
    expect(check('/api/v1/stations/{stationId}/meter-values', body)).toEqual({ route: '/api/v1/stations/{stationId}/meter-values', valid: true, errors: null });
  });

  it('a station whose SendLocalList was answered NotSupported validates against the station schema (local_list.listVersion/entries null)', async () => {
    const check = await validator();
    const cp = await booted(undefined, (c) => c.handle('SendLocalList', () => ({ status: 'NotSupported' })));
    const reply = await command(cp.identity, 'SendLocalList', { listVersion: 1, updateType: 'Full', localAuthorizationList: [] });
    expect(reply.body).toEqual({ status: 'ok', payload: { status: 'NotSupported' } });
    const { body } = await api(ocpp(), 'GET', `/api/v1/stations/${encodeURIComponent(cp.identity)}`);
    expect(body.local_list).toMatchObject({ listVersion: null, entries: null, status: 'NotSupported' });
    expect(check('/api/v1/stations/{stationId}', body)).toEqual({ route: '/api/v1/stations/{stationId}', valid: true, errors: null });
  });
});
