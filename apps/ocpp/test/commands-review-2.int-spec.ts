import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { api, ocppSuite, RawClient, uniqueStation } from './harness.js';

/** Counts the CALLs of `actions` the charger gets (answering each with `answer`). */
function counting(cp: ChargePoint16, actions: string[], answer: Record<string, unknown> = { status: 'Accepted' }): Record<string, number> {
  const got: Record<string, number> = {};
  for (const action of actions) cp.handle(action as never, () => ((got[action] = (got[action] ?? 0) + 1), answer as never));
  return got;
}

describe('operator commands (second review)', () => {
  const { ocpp, booted, command } = ocppSuite({ OCPP_CALL_TIMEOUT_MS: '1000' });
  const entry = (idTag: string) => ({ idTag, idTagInfo: { status: 'Accepted' } });

  describe('SendLocalList rules are checked before the command travels', () => {
    const duplicate = { listVersion: 3, updateType: 'Full', localAuthorizationList: [entry('LL-A'), entry('ll-a')] };

    it('an offline station gets the 400 naming the field, not 503', async () => {
      const res = await command(uniqueStation('GONE'), 'SendLocalList', duplicate);
      expect(res).toMatchObject({ status: 400, body: { status: 'error', code: 'InvalidRequest' } });
      expect(JSON.stringify(res.body.details)).toContain('/localAuthorizationList/1/idTag');
    });

    it('a bulk command with it is refused whole (400), before any station gets it', async () => {
      const cp = await booted();
      const got = counting(cp, ['SendLocalList']);
      const res = await api(ocpp(), 'POST', '/api/v1/commands/bulk', { stationIds: [cp.identity, uniqueStation('GONE')], action: 'SendLocalList', payload: duplicate });
      expect(res).toMatchObject({ status: 400, body: { message: expect.stringContaining('/localAuthorizationList/1/idTag') } });
      expect(got['SendLocalList']).toBeUndefined();
    });

    it('a Full update entry without idTagInfo (required in a Full list, OCPP 1.6 §6.3) is a 400, never sent', async () => {
      const cp = await booted();
      const got = counting(cp, ['SendLocalList']);
      const res = await command(cp.identity, 'SendLocalList', { listVersion: 4, updateType: 'Full', localAuthorizationList: [entry('LL-B'), { idTag: 'LL-C' }] });
      expect(res).toMatchObject({ status: 400, body: { code: 'InvalidRequest', details: { errors: [expect.objectContaining({ path: '/localAuthorizationList/1/idTagInfo' })] } } });
      expect(got['SendLocalList']).toBeUndefined();
      // In a Differential update the same entry deletes the tag: it goes.
      const diff = await command(cp.identity, 'SendLocalList', { listVersion: 5, updateType: 'Differential', localAuthorizationList: [{ idTag: 'LL-C' }] });
      expect(diff).toMatchObject({ status: 200, body: { status: 'ok' } });
    });
  });

  describe('per-action rules the OCA schema cannot express (its integers are unbounded)', () => {
    const relative = (purpose: string) => ({
      chargingProfileId: 17, stackLevel: 2, chargingProfilePurpose: purpose, chargingProfileKind: 'Relative',
      chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
    });
    const refused: [string, Record<string, unknown>, string][] = [
      ['ChangeAvailability', { connectorId: -1, type: 'Inoperative' }, '/connectorId'],
      ['UnlockConnector', { connectorId: 0 }, '/connectorId'],
      ['TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 0 }, '/connectorId'],
      ['TriggerMessage', { requestedMessage: 'MeterValues', connectorId: -2 }, '/connectorId'],
      ['GetCompositeSchedule', { connectorId: 1, duration: 0 }, '/duration'],
      ['GetCompositeSchedule', { connectorId: -1, duration: 60 }, '/connectorId'],
      ['ClearChargingProfile', { connectorId: -1 }, '/connectorId'],
      ['ReserveNow', { connectorId: -1, expiryDate: new Date(Date.now() + 3_600_000).toISOString(), idTag: 'T-1' }, '/connectorId'],
      ['SetChargingProfile', { connectorId: 1, csChargingProfiles: relative('ChargePointMaxProfile') }, '/csChargingProfiles/chargingProfilePurpose'],
      ['SetChargingProfile', { connectorId: 0, csChargingProfiles: relative('TxProfile') }, '/csChargingProfiles/chargingProfilePurpose'],
    ];

    it.each(refused.map(([action, payload, path]) => [action, path, payload] as const))('%s: a bad %s is a 400 naming it, never sent', async (action, path, payload) => {
      const cp = await booted();
      const got = counting(cp, [action]);
      const res = await command(cp.identity, action, payload);
      expect(res).toMatchObject({ status: 400, body: { code: 'InvalidRequest', details: { errors: [expect.objectContaining({ path })] } } });
      expect(got[action]).toBeUndefined();
    });

    it('the values the guide gives a meaning still go: connector 0 = the station, no connectorId = all', async () => {
      const cp = await booted();
      counting(cp, ['ChangeAvailability', 'TriggerMessage', 'ClearChargingProfile']);
      cp.handle('GetCompositeSchedule', () => ({ status: 'Rejected' }));
      for (const [action, payload] of [
        ['ChangeAvailability', { connectorId: 0, type: 'Operative' }],
        ['TriggerMessage', { requestedMessage: 'StatusNotification' }],
        ['GetCompositeSchedule', { connectorId: 0, duration: 3600 }],
        ['ClearChargingProfile', { connectorId: 0, chargingProfilePurpose: 'TxDefaultProfile' }],
      ] as const) {
        expect({ action, status: (await command(cp.identity, action, payload)).status }).toEqual({ action, status: 200 });
      }
    });
  });


  it('a station never registered is a 404 UnknownStation, alone and in bulk; a registered one no replica holds stays 503 Offline', async () => {
    const typo = uniqueStation('TYPO');
    const quiet = uniqueStation('QUIET');
    expect((await api(ocpp(), 'PUT', `/api/v1/stations/${quiet}`, {})).status).toBe(201);
    expect(await command(typo, 'ClearCache', {})).toEqual({ status: 404, body: { status: 'error', code: 'UnknownStation', description: expect.stringContaining(typo) } });
    expect(await command(quiet, 'ClearCache', {})).toMatchObject({ status: 503, body: { code: 'Offline' } });
    const cp = await booted();
    counting(cp, ['ClearCache']);
    const bulk = await api(ocpp(), 'POST', '/api/v1/commands/bulk', { stationIds: [cp.identity, typo, quiet], action: 'ClearCache', payload: {} });
    expect(bulk.body.results.map((r: { stationId: string; status: string; code?: string }) => [r.stationId, r.code ?? r.status])).toEqual([
      [cp.identity, 'ok'],
      [typo, 'UnknownStation'],
      [quiet, 'Offline'],
    ]);
  });

  it('OpenAPI describes what the command routes answer: the bulk body and results, and every status a command answers with its reply', async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- reads an arbitrary JSON document
    const doc = (await fetch(`${ocpp().app.baseUrl}/docs-json`).then((r) => r.json())) as any;
    const resolve = (schema: { $ref?: string }) => (schema.$ref ? doc.components.schemas[schema.$ref.split('/').pop()!] : schema);
    const bulk = doc.paths['/api/v1/commands/bulk'].post;
    const body = resolve(bulk.requestBody.content['application/json'].schema);
    expect(body).toMatchObject({ required: expect.arrayContaining(['stationIds', 'action', 'payload']) });
    expect(Object.keys(body.properties).sort()).toEqual(['action', 'payload', 'stationIds', 'timeoutMs']);
    expect(body.properties.stationIds).toMatchObject({ type: 'array', minItems: 1, maxItems: 10_000 });
    expect(Object.keys(bulk.responses)).toEqual(expect.arrayContaining(['200', '400', '409']));
    expect(JSON.stringify(bulk.responses['200'].content)).toContain('stationId');

    const single = doc.paths['/api/v1/stations/{stationId}/commands/{action}'].post;
    for (const status of ['200', '400', '404', '409', '429', '500', '502', '503', '504']) {
      expect({ status, content: Object.keys(single.responses[status]?.content ?? {}) }).toEqual({ status, content: ['application/json'] });
    }
    expect(JSON.stringify(single.responses['502'].content)).toContain('code');
  });

  it('bulk: 60 chargers that never answer are all sent the command at once and time out together (not in waves of 50)', async () => {
    // With 50 in parallel, the last 10 were sent only once the first 50 had timed out, and the
    // request took twice its timeout. Each station still gets the whole timeout (unit spec).
    const silent = await Promise.all(Array.from({ length: 60 }, () => RawClient.open(`${ocpp().wsUrl}/${uniqueStation('MUTE')}`)));
    try {
      const ids = silent.map((c) => decodeURIComponent(new URL(c.ws.url).pathname.split('/').pop()!));
      const started = Date.now();
      const res = await api(ocpp(), 'POST', '/api/v1/commands/bulk', { stationIds: ids, action: 'ClearCache', payload: {}, timeoutMs: 1500 });
      const took = Date.now() - started;
      expect(res.status).toBe(200);
      expect(res.body.results).toHaveLength(60);
      expect(new Set(res.body.results.map((r: { code?: string }) => r.code))).toEqual(new Set(['Timeout']));
      expect(took).toBeLessThan(2_500);
    } finally {
      for (const c of silent) c.close();
    }
  }, 20_000);

  it('a ReserveNow invalid in what the operator sent is a 400 also for an offline station and in bulk (only reservationId may be left to us)', async () => {
    const invalid = { connectorId: 1, idTag: 'T-2', expiryDate: 'tomorrow' };
    const offline = await command(uniqueStation('GONE'), 'ReserveNow', invalid);
    expect(offline).toMatchObject({ status: 400, body: { code: 'InvalidRequest', description: expect.stringContaining('/expiryDate') } });
    const cp = await booted();
    const got = counting(cp, ['ReserveNow']);
    const bulk = await api(ocpp(), 'POST', '/api/v1/commands/bulk', { stationIds: [cp.identity, uniqueStation('GONE')], action: 'ReserveNow', payload: invalid });
    expect(bulk).toMatchObject({ status: 400, body: { message: expect.stringContaining('/expiryDate') } });
    expect(got['ReserveNow']).toBeUndefined();
    // Without a reservationId it is still valid: we fill it in where the command runs.
    const missing = await command(uniqueStation('GONE'), 'ReserveNow', { ...invalid, expiryDate: new Date(Date.now() + 3_600_000).toISOString() });
    expect(missing).toMatchObject({ status: 404, body: { code: 'UnknownStation' } });
  });
});
