import { api, ocppSuite, send, uniqueStation } from './harness.js';

/** Every string in a JSON body that reads as a date-time, wherever it is nested. */
function timesIn(body: unknown): string[] {
  if (typeof body === 'string') return /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(body) ? [body] : [];
  if (Array.isArray(body)) return body.flatMap(timesIn);
  if (body && typeof body === 'object') return Object.values(body).flatMap(timesIn);
  return [];
}
/** `Date.toISOString()`: what every time in the operator API looks like. */
const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

type OpenApi = { paths: Record<string, Record<string, { responses?: Record<string, { description?: string; content?: Record<string, { schema?: Record<string, unknown> }> }> }>> };

describe('OCPP operator views (review)', () => {
  const { ocpp, booted } = ocppSuite();
  const openApi = async () => (await fetch(`${ocpp().app.baseUrl}/docs-json`).then((r) => r.json())) as OpenApi;

  describe('PUT creates or replaces (RFC 9110 §9.3.4)', () => {
    it('PUT /id-tags/{idTag} answers 201 when it creates the token, 200 when it replaces it (in any case)', async () => {
      const tag = uniqueStation('TAG');
      const created = await api(ocpp(), 'PUT', `/api/v1/id-tags/${tag}`, { status: 'Accepted' });
      expect(created).toMatchObject({ status: 201, body: { idTag: tag, status: 'Accepted' } });
      const replaced = await api(ocpp(), 'PUT', `/api/v1/id-tags/${tag.toLowerCase()}`, { status: 'Blocked' });
      expect(replaced).toMatchObject({ status: 200, body: { idTag: tag, status: 'Blocked' } });
    });

    it('PUT /stations/{stationId} answers 201 when it registers the station, 200 when it updates it (also one a charger registered)', async () => {
      const id = uniqueStation();
      const created = await api(ocpp(), 'PUT', `/api/v1/stations/${id}`, { registrationStatus: 'Pending' });
      expect(created).toMatchObject({ status: 201, body: { id, registration_status: 'Pending' } });
      const updated = await api(ocpp(), 'PUT', `/api/v1/stations/${id}`, { registrationStatus: 'Accepted' });
      expect(updated).toMatchObject({ status: 200, body: { id, registration_status: 'Accepted' } });
      const cp = await booted();
      expect((await api(ocpp(), 'PUT', `/api/v1/stations/${cp.identity}`, { validationPolicy: 'lenient' })).status).toBe(200);
    });

    it('GET /id-tags/{idTag} shows the record Authorize answers with when two spellings are stored (from before tokens were compared without case): the exact one, else the one changed last', async () => {
      const tag = uniqueStation('CASE').slice(-12);
      // Stored before case-insensitive tokens: two rows, the later change in lower case.
      await ocpp().db.query(
        `INSERT INTO id_tags (id_tag, status, updated_at) VALUES ($1, 'Accepted', now() - interval '1 day'), ($2, 'Blocked', now())`,
        [tag.toUpperCase(), tag.toLowerCase()],
      );
      const cp = await booted();
      for (const spelling of [tag.toLowerCase(), tag.toUpperCase()]) {
        const authorized = (await send(cp, 'Authorize', { idTag: spelling })).idTagInfo.status;
        const shown = (await api(ocpp(), 'GET', `/api/v1/id-tags/${spelling}`)).body;
        expect({ spelling, shown: shown.idTag, status: shown.status }).toEqual({ spelling, shown: spelling, status: authorized });
      }
      // A third spelling: the one changed last.
      const mixed = tag.charAt(0).toLowerCase() + tag.slice(1).toUpperCase();
      expect((await api(ocpp(), 'GET', `/api/v1/id-tags/${mixed}`)).body).toMatchObject({ idTag: tag.toLowerCase(), status: 'Blocked' });
    });

    it('the OpenAPI document gives both answers of both PUTs', async () => {
      const doc = await openApi();
      for (const path of ['/api/v1/id-tags/{idTag}', '/api/v1/stations/{stationId}']) {
        expect({ path, responses: Object.keys(doc.paths[path]!['put']!.responses ?? {}).sort() }).toEqual({ path, responses: expect.arrayContaining(['200', '201']) });
      }
    });
  });

  describe('what acts now, beside what was set', () => {
    it('a token past its expiryDate keeps its stored status and shows effectiveStatus Expired, as Authorize answers (list, token, PUT)', async () => {
      const [lapsed, valid, blocked] = ['OLD', 'NEW', 'BLK'].map((p) => uniqueStation(p).slice(-20));
      const past = new Date(Date.now() - 60_000).toISOString();
      const put = await api(ocpp(), 'PUT', `/api/v1/id-tags/${lapsed}`, { status: 'Accepted', expiryDate: past });
      expect(put.body).toMatchObject({ status: 'Accepted', effectiveStatus: 'Expired' });
      await api(ocpp(), 'PUT', `/api/v1/id-tags/${valid}`, { status: 'Accepted', expiryDate: new Date(Date.now() + 3_600_000).toISOString() });
      await api(ocpp(), 'PUT', `/api/v1/id-tags/${blocked}`, { status: 'Blocked', expiryDate: past });
      const cp = await booted();
      const listed = (await api(ocpp(), 'GET', '/api/v1/id-tags?limit=1000')).body.items as { idTag: string }[];
      for (const [idTag, status, effectiveStatus] of [[lapsed, 'Accepted', 'Expired'], [valid, 'Accepted', 'Accepted'], [blocked, 'Blocked', 'Blocked']] as const) {
        const authorized = (await send(cp, 'Authorize', { idTag })).idTagInfo.status;
        const one = (await api(ocpp(), 'GET', `/api/v1/id-tags/${idTag}`)).body;
        const inList = listed.find((t) => t.idTag === idTag);
        expect({ idTag, authorized, one, inList }).toEqual({ idTag, authorized: effectiveStatus, one: expect.objectContaining({ status, effectiveStatus }), inList: expect.objectContaining({ status, effectiveStatus }) });
      }
      const doc = await openApi();
      const item = doc.paths['/api/v1/id-tags']!['get']!.responses?.['200']?.content?.['application/json']?.schema as { properties: { items: { items: { properties: Record<string, unknown> } } } };
      expect(Object.keys(item.properties.items.items.properties)).toEqual(expect.arrayContaining(['status', 'effectiveStatus']));
    });

    it("a profile the charger applied whose schedule ran out (duration from its start, or validTo) is shown applied but not in effect, with when it ended", async () => {
      const id = uniqueStation('PROF');
      expect((await api(ocpp(), 'PUT', `/api/v1/stations/${id}`, {})).status).toBe(201);
      const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
      const profile = (chargingProfileId: number, startSchedule: string, extra: Record<string, unknown> = {}) => ({
        chargingProfileId, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute',
        chargingSchedule: { chargingRateUnit: 'A', startSchedule, duration: 3600, chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] }, ...extra,
      });
      const validTo = ago(1);
      const rows = [
        [101, 1, profile(101, ago(120))],
        [102, 2, profile(102, ago(10), { validTo })],
        [103, 3, profile(103, ago(10))],
      ] as const;
      for (const [profileId, connectorId, applied] of rows) {
        await ocpp().db.query(
          `INSERT INTO charging_profiles (station_id, charging_profile_id, connector_id, purpose, stack_level, desired, desired_at, state, applied, applied_at)
           VALUES ($1, $2, $3, 'TxDefaultProfile', 0, '{}', now(), 'applied', $4, now())`,
          [id, profileId, connectorId, JSON.stringify(applied)],
        );
      }
      const shown = (await api(ocpp(), 'GET', `/api/v1/stations/${id}/charging-profiles`)).body as { chargingProfileId: number; state: string; inEffect: boolean; appliedUntil: string | null }[];
      expect(shown.map(({ chargingProfileId, state, inEffect, appliedUntil }) => ({ chargingProfileId, state, inEffect, appliedUntil }))).toEqual([
        { chargingProfileId: 101, state: 'applied', inEffect: false, appliedUntil: expect.stringMatching(ISO_Z) },
        { chargingProfileId: 102, state: 'applied', inEffect: false, appliedUntil: expect.stringMatching(ISO_Z) },
        { chargingProfileId: 103, state: 'applied', inEffect: true, appliedUntil: expect.stringMatching(ISO_Z) },
      ]);
      expect(Date.parse(shown[0]!.appliedUntil!)).toBe(Date.parse(rows[0][2].chargingSchedule.startSchedule) + 3_600_000);
      expect(shown[1]!.appliedUntil).toBe(validTo);
    });
  });

  describe('times are ISO 8601 with Z everywhere', () => {
    it('connector statusAt and the local list updatedAt (built in json) read like every other time, in the station and the list', async () => {
      const cp = await booted();
      const at = '2026-01-31T22:00:00.123Z';
      await send(cp, 'StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: at });
      await ocpp().db.query(`INSERT INTO local_lists (station_id, list_version, update_type, status, entries) VALUES ($1, 3, 'Full', 'Accepted', 2)`, [cp.identity]);
      const station = (await api(ocpp(), 'GET', `/api/v1/stations/${cp.identity}`)).body;
      expect(station.connectors).toEqual([expect.objectContaining({ connectorId: 1, statusAt: at })]);
      expect(station.local_list.updatedAt).toMatch(ISO_Z);
      const listed = ((await api(ocpp(), 'GET', '/api/v1/stations?limit=1000')).body.items as { id: string }[]).find((s) => s.id === cp.identity);
      expect(listed).toMatchObject({ connectors: [expect.objectContaining({ statusAt: at })] });
      const times = [...timesIn(station), ...timesIn(listed)];
      expect(times.length).toBeGreaterThan(6);
      expect(times.filter((t) => !ISO_Z.test(t))).toEqual([]);
    });
  });

  describe('transactions with energy', () => {
    it("a running transaction shows the energy its latest main register (Energy.Active.Import.Register, Outlet, no phase, Wh or kWh) reports since its start; null before any", async () => {
      const cp = await booted();
      const timestamp = (minute: number) => `2026-02-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
      const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 1, idTag: uniqueStation('TAG').slice(-20), meterStart: 10_000, timestamp: timestamp(0) });
      const energy = async () => ((await api(ocpp(), 'GET', `/api/v1/transactions?stationId=${cp.identity}`)).body.items as { transactionId: number; energyWh: number | null }[]).find((t) => t.transactionId === transactionId)?.energyWh;
      expect(await energy()).toBeNull();
      await send(cp, 'MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: timestamp(5), sampledValue: [{ value: '10400' }, { value: '7000', measurand: 'Power.Active.Import', unit: 'W' }] }] });
      expect(await energy()).toBe(400);
      // The latest reading counts, in kWh as well; a per-phase register, an EV-side one and another measurand do not.
      await send(cp, 'MeterValues', {
        connectorId: 1,
        transactionId,
        meterValue: [
          { timestamp: timestamp(10), sampledValue: [{ value: '10.75', unit: 'kWh' }, { value: '3.1', unit: 'kWh', phase: 'L1' }, { value: '99999', location: 'EV' }] },
        ],
      });
      expect(await energy()).toBe(750);
      // A broken meter's absurd register is passed over (it would overflow the figure and fail the page).
      await send(cp, 'MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: timestamp(12), sampledValue: [{ value: '1e300' }] }] });
      expect(await energy()).toBe(750);
      await send(cp, 'StopTransaction', { transactionId, meterStop: 11_000, timestamp: timestamp(15) });
      expect(await energy()).toBe(1000);
    });
  });

  describe('views of an unknown station', () => {
    const views = ['meter-values', 'charging-profiles', 'remote-starts', 'messages', 'rejected-frames'];
    /** The error body without what differs per request. */
    const shape = (body: Record<string, unknown>) => ({ ...body, correlationId: undefined, message: String(body['message']).replace(/station \S+/, 'station ?') });

    it('answer 404 like GET /stations/{unknown}; a known station without data answers 200 with none', async () => {
      const unknown = uniqueStation('TYPO');
      const station = await api(ocpp(), 'GET', `/api/v1/stations/${unknown}`);
      expect(station.status).toBe(404);
      for (const view of views) {
        const res = await api(ocpp(), 'GET', `/api/v1/stations/${unknown}/${view}`);
        expect({ view, status: res.status, body: shape(res.body) }).toEqual({ view, status: 404, body: shape(station.body) });
        expect(res.body.message).toBe(`station ${unknown} not found`);
      }
      const known = uniqueStation('QUIET');
      expect((await api(ocpp(), 'PUT', `/api/v1/stations/${known}`, {})).status).toBe(201);
      for (const view of views) {
        // The meter values also hand out a cursor to the next page (none after the last).
        const none = view === 'charging-profiles' ? [] : { items: [], total: 0, offset: 0, limit: expect.any(Number), ...(view === 'meter-values' ? { next: null } : {}) };
        expect({ view, ...(await api(ocpp(), 'GET', `/api/v1/stations/${known}/${view}`)) }).toEqual({ view, status: 200, body: none });
      }
    });

    it('a station that is gone is unknown even where its rows outlive it (no foreign key on these tables)', async () => {
      const cp = await booted();
      await ocpp().db.query(`INSERT INTO station_messages (station_id, kind, payload) VALUES ($1, 'DataTransfer', '{}')`, [cp.identity]);
      expect((await api(ocpp(), 'GET', `/api/v1/stations/${cp.identity}/messages`)).body.items).toHaveLength(1);
      await ocpp().db.query(`DELETE FROM stations WHERE id = $1`, [cp.identity]);
      expect((await api(ocpp(), 'GET', `/api/v1/stations/${cp.identity}/messages`)).status).toBe(404);
    });

    it('the OpenAPI document gives their 404', async () => {
      const doc = await openApi();
      for (const view of views) expect({ view, responses: Object.keys(doc.paths[`/api/v1/stations/{stationId}/${view}`]!['get']!.responses ?? {}) }).toEqual({ view, responses: expect.arrayContaining(['404']) });
    });
  });

  describe("a station's paged views answer a page with its total, like the other paged lists", () => {
    const paged = ['meter-values', 'remote-starts', 'messages', 'rejected-frames'];

    it('items, total (of every page, also past the last one), offset and limit; charging profiles (not paged) stay a list', async () => {
      const cp = await booted();
      const id = cp.identity;
      await send(cp, 'MeterValues', { connectorId: 1, meterValue: [{ timestamp: '2026-02-01T10:00:00.000Z', sampledValue: [{ value: '1' }, { value: '2' }, { value: '3' }] }] });
      await send(cp, 'MeterValues', { connectorId: 2, meterValue: [{ timestamp: '2026-02-01T10:01:00.000Z', sampledValue: [{ value: '4' }, { value: '5' }] }] });
      await ocpp().db.query(
        `INSERT INTO meter_values (station_id, connector_id, sampled_at, measurand, value, raw_value, unit) VALUES ($1, 1, '2026-02-01T09:59:00Z', 'Energy.Active.Import.Register', 0, '0', 'Wh')`,
        [id],
      );
      await ocpp().db.query(`INSERT INTO station_messages (station_id, kind, payload) SELECT $1, k, '{}' FROM unnest(ARRAY['DataTransfer', 'DataTransfer', 'DataTransfer', 'SecurityEventNotification']) AS k`, [id]);
      await ocpp().db.query(`INSERT INTO rejected_frames (station_id, raw, reason) SELECT $1, 'x' || n, 'test' FROM generate_series(1, 3) AS n`, [id]);
      await ocpp().db.query(`INSERT INTO remote_starts (station_id, connector_id, id_tag, status) SELECT $1, 1, 'T' || n, 'Rejected' FROM generate_series(1, 3) AS n`, [id]);
      const totals: Record<string, number> = { 'meter-values': 6, 'remote-starts': 3, messages: 4, 'rejected-frames': 3 };
      for (const view of paged) {
        const all = (await api(ocpp(), 'GET', `/api/v1/stations/${id}/${view}`)).body;
        expect({ view, total: all.total, rows: all.items.length, offset: all.offset }).toEqual({ view, total: totals[view], rows: totals[view], offset: 0 });
        const second = (await api(ocpp(), 'GET', `/api/v1/stations/${id}/${view}?limit=2&offset=2`)).body;
        expect({ view, ...second }).toEqual({ view, items: all.items.slice(2, 4), total: totals[view], offset: 2, limit: 2, ...(view === 'meter-values' ? { next: expect.any(String) } : {}) });
        const past = (await api(ocpp(), 'GET', `/api/v1/stations/${id}/${view}?offset=50`)).body;
        expect({ view, items: past.items, total: past.total }).toEqual({ view, items: [], total: totals[view] });
        expect(timesIn(all).filter((t) => !ISO_Z.test(t))).toEqual([]);
      }
      // The filters count as they select.
      expect((await api(ocpp(), 'GET', `/api/v1/stations/${id}/messages?kind=DataTransfer&limit=1`)).body).toMatchObject({ total: 3, items: [expect.objectContaining({ kind: 'DataTransfer' })] });
      expect((await api(ocpp(), 'GET', `/api/v1/stations/${id}/meter-values?from=2026-02-01T10:00:30Z`)).body).toMatchObject({ total: 2 });
      expect(Array.isArray((await api(ocpp(), 'GET', `/api/v1/stations/${id}/charging-profiles`)).body)).toBe(true);
    });

    it("meter values count samples from each reading's stored sample_count, not by parsing every reading's JSON; readings stored before it from their JSON", async () => {
      const cp = await booted();
      const id = cp.identity;
      await send(cp, 'MeterValues', { connectorId: 1, meterValue: [{ timestamp: '2026-03-01T10:00:00.000Z', sampledValue: [{ value: '1' }, { value: '2' }, { value: '3' }] }, { timestamp: '2026-03-01T10:01:00.000Z', sampledValue: [{ value: '4' }] }] });
      const stored = await ocpp().db.query(`SELECT sample_count FROM meter_readings WHERE station_id = $1 ORDER BY sampled_at`, [id]);
      expect(stored.map((r: { sample_count: number | null }) => r.sample_count)).toEqual([3, 1]);
      // A reading from before the column (sample_count NULL).
      await ocpp().db.query(`INSERT INTO meter_readings (station_id, connector_id, sampled_at, samples) VALUES ($1, 1, '2026-03-01T10:02:00Z', '[{"measurand":"Voltage","value":230,"rawValue":"230","unit":"V","format":"Raw"},{"measurand":"Voltage","value":231,"rawValue":"231","unit":"V","format":"Raw"}]')`, [id]);
      expect((await api(ocpp(), 'GET', `/api/v1/stations/${id}/meter-values?limit=1`)).body).toMatchObject({ total: 6, items: [expect.objectContaining({ value: 1 })] });
    });

    it('the OpenAPI document gives their page with total, as for the top-level lists', async () => {
      const doc = await openApi();
      const schema = (path: string) => doc.paths[path]!['get']!.responses?.['200']?.content?.['application/json']?.schema;
      for (const path of [...paged.map((v) => `/api/v1/stations/{stationId}/${v}`), '/api/v1/stations', '/api/v1/transactions', '/api/v1/reservations', '/api/v1/id-tags']) {
        expect({ path, schema: schema(path) }).toMatchObject({ path, schema: { type: 'object', properties: { items: { type: 'array' }, total: { type: 'integer' } } } });
      }
      expect(schema('/api/v1/stations/{stationId}/charging-profiles')).toMatchObject({ type: 'array' });
    });
  });
});
