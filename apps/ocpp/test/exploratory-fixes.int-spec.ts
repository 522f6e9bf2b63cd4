import { readFile } from 'node:fs/promises';
import { captureLogs, eventually } from '@cpo/testing';
import { api, RawClient, startOcpp, testChargers, uniqueStation, type OcppHarness } from './harness.js';

/** The part of a request log line these tests read. */
type RequestLine = { level?: string; msg?: string; upstream?: boolean; req?: { method?: string; url?: string }; res?: { statusCode?: number } };

const COMMAND_ROUTE = '/api/v1/stations/:stationId/commands/:action';

/** Defects found by an exploratory test of the running product. */
describe('OCPP exploratory-test fixes', () => {
  const logs = captureLogs();
  let h: OcppHarness | undefined;
  beforeAll(async () => {
    h = await startOcpp({ LOG_LEVEL: 'info' }, undefined, { logDestination: logs.destination });
  });
  afterAll(() => h?.close());
  const ocpp = (): OcppHarness => h!;
  const { booted } = testChargers(ocpp);

  const requestLine = async (method: string, url: string): Promise<RequestLine | undefined> => {
    const find = () => (logs.lines as RequestLine[]).find((l) => l.req?.method === method && l.req.url === url);
    await eventually(() => find() !== undefined, 2_000);
    return find();
  };

  /** A charger speaking raw frames, booted. */
  async function rawCharger(): Promise<{ id: string; client: RawClient }> {
    const id = uniqueStation('RAW');
    const client = await RawClient.open(`${ocpp().wsUrl}/${id}`);
    expect(await client.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' })).toMatchObject([3, expect.any(String), { status: 'Accepted' }]);
    return { id, client };
  }

  describe("a command's charger-side outcome (502/503/504) is not logged or alerted on as a server error", () => {
    it('an offline station (503) and a charger CallError (502) are logged at warn, marked upstream, without err', async () => {
      const offline = uniqueStation('OFF');
      expect((await api(ocpp(), 'PUT', `/api/v1/stations/${offline}`, {})).status).toBe(201);
      const url = `/api/v1/stations/${offline}/commands/Reset`;
      expect(await api(ocpp(), 'POST', url, { type: 'Soft' })).toMatchObject({ status: 503, body: { status: 'error', code: 'Offline' } });
      const line = await requestLine('POST', url);
      expect(line).toMatchObject({ level: 'warn', msg: 'request completed', upstream: true, res: { statusCode: 503 } });
      expect(line).not.toHaveProperty('err');

      // ChargePoint16 answers an action it has no handler for with a CallError.
      const cp = await booted();
      const refusedUrl = `/api/v1/stations/${cp.identity}/commands/DataTransfer`;
      expect(await api(ocpp(), 'POST', refusedUrl, { vendorId: 'Acme' })).toMatchObject({ status: 502 });
      expect(await requestLine('POST', refusedUrl)).toMatchObject({ level: 'warn', upstream: true, res: { statusCode: 502 } });
      expect(logs.lines.filter((l) => l.level === 'error' && (l as RequestLine).req?.url?.includes('/commands/'))).toEqual([]);
    });

    it('the 5xx alert leaves out the route label the command route is counted under', async () => {
      const metrics = await fetch(`${ocpp().app.baseUrl}/metrics`).then((r) => r.text());
      expect(metrics).toMatch(new RegExp(`http_requests_total\\{[^}]*route="${COMMAND_ROUTE}"[^}]*status_code="503"`));
      const rules = await readFile(new URL('../../../deploy/k8s/monitoring/prometheus-rules.yaml', import.meta.url), 'utf8');
      const alert = rules.slice(rules.indexOf('alert: CpoHttpServerErrors'), rules.indexOf('- alert:', rules.indexOf('alert: CpoHttpServerErrors') + 1));
      expect(alert).toContain(`route="${COMMAND_ROUTE}", status_code=~"50[234]"`);
    });
  });

  describe('a DataTransfer larger than the bus carries', () => {
    it('is not forwarded, and its CallError neither blames a plug-in nor names an internal subject', async () => {
      const { id, client } = await rawCharger();
      try {
        // ~3 MB: under the 4 MiB WebSocket limit, over NATS's max_payload (1 MiB by default).
        const answer = await client.call('DataTransfer', { vendorId: 'Acme', messageId: 'dump', data: 'x'.repeat(3_000_000) }, 'big1');
        expect(answer).toEqual([4, 'big1', 'InternalError', expect.stringMatching(/too large to forward/), {}]);
        expect((answer as string[])[3]).not.toMatch(/ocpp\.|plug-in failed|max_payload/);
        const kept = await api(ocpp(), 'GET', `/api/v1/stations/${id}/messages?kind=DataTransfer`);
        expect(kept.body.items.map((m: { payload: { answer: unknown } }) => m.payload.answer)).toEqual([{ failure: 'too_large', reason: expect.stringMatching(/bytes/) }]);
        // A small one to the same vendor still gets the documented answer.
        expect(await client.call('DataTransfer', { vendorId: 'Acme', data: 'x' }, 'small1')).toEqual([3, 'small1', { status: 'UnknownVendorId' }]);
      } finally {
        client.close();
      }
    });
  });

  describe('a frame with an unknown message type', () => {
    it('gets no answer and is stored in rejected_frames like every other malformed frame', async () => {
      const { id, client } = await rawCharger();
      try {
        client.send('[9,"a4","Heartbeat",{}]');
        // Inbound frames are handled in order: the Heartbeat's answer comes after the unknown frame was.
        expect(await client.call('Heartbeat', {}, 'hb1')).toMatchObject([3, 'hb1', { currentTime: expect.any(String) }]);
        const frames = async () => (await api(ocpp(), 'GET', `/api/v1/stations/${id}/rejected-frames`)).body.items as { raw: string; reason: string }[];
        await eventually(async () => (await frames()).length > 0, 3_000);
        expect(await frames()).toEqual([expect.objectContaining({ raw: '[9,"a4","Heartbeat",{}]', reason: 'unknown message type 9' })]);
      } finally {
        client.close();
      }
    });
  });

  describe('PATCH /api/v1/id-tags/{idTag}: a partial update', () => {
    it('changes only the fields given, null clearing one; PUT still replaces the whole token', async () => {
      const tag = uniqueStation('TAG');
      expect((await api(ocpp(), 'PUT', `/api/v1/id-tags/${tag}`, { status: 'Accepted', parentIdTag: 'FLEET-A', expiryDate: '2027-06-30T00:00:00Z' })).status).toBe(201);
      const blocked = await api(ocpp(), 'PATCH', `/api/v1/id-tags/${tag.toLowerCase()}`, { status: 'Blocked' });
      expect(blocked).toMatchObject({ status: 200, body: { idTag: tag, status: 'Blocked', parentIdTag: 'FLEET-A', expiryDate: '2027-06-30T00:00:00.000Z', effectiveStatus: 'Blocked' } });
      expect((await api(ocpp(), 'GET', `/api/v1/id-tags/${tag}`)).body).toMatchObject({ status: 'Blocked', parentIdTag: 'FLEET-A', expiryDate: '2027-06-30T00:00:00.000Z' });

      expect(await api(ocpp(), 'PATCH', `/api/v1/id-tags/${tag}`, { expiryDate: null })).toMatchObject({ status: 200, body: { status: 'Blocked', parentIdTag: 'FLEET-A', expiryDate: null } });
      expect(await api(ocpp(), 'PATCH', `/api/v1/id-tags/${tag}`, {})).toMatchObject({ status: 200, body: { status: 'Blocked', parentIdTag: 'FLEET-A', expiryDate: null } });

      expect(await api(ocpp(), 'PUT', `/api/v1/id-tags/${tag}`, { status: 'Accepted' })).toMatchObject({ status: 200, body: { status: 'Accepted', parentIdTag: null, expiryDate: null } });
    });

    it('is a 404 for an unknown token and a 400 for what PUT refuses (and a null status)', async () => {
      const unknown = uniqueStation('NONE');
      expect((await api(ocpp(), 'PATCH', `/api/v1/id-tags/${unknown}`, { status: 'Blocked' })).status).toBe(404);
      expect((await api(ocpp(), 'GET', `/api/v1/id-tags/${unknown}`)).status).toBe(404);
      const tag = uniqueStation('TAG');
      expect((await api(ocpp(), 'PUT', `/api/v1/id-tags/${tag}`, { status: 'Accepted' })).status).toBe(201);
      for (const body of [{ status: 'Maybe' }, { status: null }, { expiryDate: '2027-06-30' }, { parentIdTag: 'P'.repeat(21) }, { other: 1 }]) {
        expect({ body, status: (await api(ocpp(), 'PATCH', `/api/v1/id-tags/${tag}`, body)).status }).toEqual({ body, status: 400 });
      }
      expect((await api(ocpp(), 'GET', `/api/v1/id-tags/${tag}`)).body).toMatchObject({ status: 'Accepted', parentIdTag: null, expiryDate: null });
    });

    it('updates the local lists holding the token like a PUT does (Differential)', async () => {
      const tag = uniqueStation('LL').slice(-12);
      expect((await api(ocpp(), 'PUT', `/api/v1/id-tags/${tag}`, { status: 'Accepted', parentIdTag: 'FLEET-A' })).status).toBe(201);
      const sent: { updateType: string; localAuthorizationList?: { idTag: string; idTagInfo?: Record<string, unknown> }[] }[] = [];
      const cp = await booted(uniqueStation(), (c) =>
        c.handle('SendLocalList', (req) => {
          sent.push(req as (typeof sent)[number]);
          return { status: 'Accepted' };
        }),
      );
      expect((await api(ocpp(), 'POST', `/api/v1/stations/${cp.identity}/commands/SendLocalList`, { listVersion: 1, updateType: 'Full', localAuthorizationList: [{ idTag: tag, idTagInfo: { status: 'Accepted', parentIdTag: 'FLEET-A' } }] })).status).toBe(200);
      expect((await api(ocpp(), 'PATCH', `/api/v1/id-tags/${tag}`, { status: 'Blocked' })).status).toBe(200);
      await eventually(() => sent.some((r) => r.updateType === 'Differential'), 5_000);
      expect(sent.find((r) => r.updateType === 'Differential')?.localAuthorizationList).toEqual([{ idTag: tag, idTagInfo: { status: 'Blocked', parentIdTag: 'FLEET-A' } }]);
    });
  });
});
