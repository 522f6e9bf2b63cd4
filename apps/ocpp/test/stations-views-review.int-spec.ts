import { ocppDataTransferSubject } from '@cpo/contracts';
import { testServers } from '@cpo/testing';
import { connect } from '@nats-io/transport-node';
import { api, ocppSuite, send, uniqueStation } from './harness.js';

describe('OCPP station lifecycle and operator views (review)', () => {
  const { ocpp, booted } = ocppSuite();

  describe('pagination', () => {
    it('reservations made at the same instant are each listed once across pages', async () => {
      const stationId = uniqueStation();
      const ids = Array.from({ length: 30 }, (_, i) => 1_900_000_000 + i);
      // Same created_at, as for reservations written in one transaction or restored from a dump.
      await ocpp().db.query(
        `INSERT INTO reservations (reservation_id, station_id, connector_id, id_tag, expiry_date, status, created_at)
         SELECT r, $1, 1, 'PAGE-TAG', now() + interval '1 hour', 'Accepted', '2026-01-01T00:00:00Z' FROM unnest($2::int[]) AS r`,
        [stationId, ids],
      );
      const seen: number[] = [];
      for (let offset = 0; offset < ids.length; offset += 7) {
        const page = await api(ocpp(), 'GET', `/api/v1/reservations?stationId=${stationId}&limit=7&offset=${offset}`);
        expect(page.body.total).toBe(ids.length);
        seen.push(...page.body.items.map((r: { reservationId: number }) => r.reservationId));
      }
      expect([...seen].sort((a, b) => a - b)).toEqual(ids);
    });
  });

  describe('OpenAPI document', () => {
    it('declares every path parameter and types the paging and id filters as integers', async () => {
      const doc = (await fetch(`${ocpp().app.baseUrl}/docs-json`).then((r) => r.json())) as {
        paths: Record<string, Record<string, { parameters?: { name: string; in: string; schema?: Record<string, unknown> }[] }>>;
      };
      const undeclared: string[] = [];
      for (const [path, operations] of Object.entries(doc.paths)) {
        const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
        for (const [method, op] of Object.entries(operations)) {
          const declared = new Set((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name));
          for (const name of templated) if (!declared.has(name)) undeclared.push(`${method.toUpperCase()} ${path}: ${name}`);
        }
      }
      expect(undeclared).toEqual([]);
      const query = (path: string, name: string) => doc.paths[path]!['get']!.parameters!.find((p) => p.in === 'query' && p.name === name)?.schema;
      for (const path of ['/api/v1/stations', '/api/v1/transactions', '/api/v1/id-tags', '/api/v1/reservations', '/api/v1/stations/{stationId}/messages']) {
        expect({ path, offset: query(path, 'offset'), limit: query(path, 'limit') }).toMatchObject({
          path,
          offset: { type: 'integer', minimum: 0 },
          limit: { type: 'integer', minimum: 1, maximum: 1000 },
        });
      }
      expect(query('/api/v1/stations/{stationId}/meter-values', 'transactionId')).toMatchObject({ type: 'integer' });
      expect(query('/api/v1/stations/{stationId}/meter-values', 'limit')).toMatchObject({ type: 'integer', minimum: 1, maximum: 10000 });
    });
  });

  describe('station view', () => {
    it("shows a connector's vendor error code with the vendor it belongs to", async () => {
      const cp = await booted();
      const fault = { connectorId: 1, status: 'Faulted', errorCode: 'OtherError', info: 'contactor', vendorId: 'com.acme', vendorErrorCode: 'E42' } as const;
      await send(cp, 'StatusNotification', { ...fault, timestamp: new Date().toISOString() });
      const station = (await api(ocpp(), 'GET', `/api/v1/stations/${cp.identity}`)).body;
      expect(station.connectors).toEqual([{ connectorId: 1, status: 'Faulted', errorCode: 'OtherError', info: 'contactor', vendorId: 'com.acme', vendorErrorCode: 'E42', statusAt: expect.any(String) }]);
    });
  });

  describe('DataTransfer', () => {
    it('answers UnknownVendorId without data even when the plug-in sends some (OCPP 1.6 §4.3: data SHALL NOT be present)', async () => {
      const plugins = await connect({ servers: testServers.nats });
      try {
        plugins.subscribe(`${ocpp().app.prefix}.${ocppDataTransferSubject('com.example.forwarder')}`, {
          callback: (_err, msg) => {
            msg.respond(JSON.stringify({ status: 'UnknownVendorId', data: 'not mine' }));
          },
        });
        await plugins.flush();
        const cp = await booted();
        expect(await send(cp, 'DataTransfer', { vendorId: 'com.example.forwarder', messageId: 'x' })).toEqual({ status: 'UnknownVendorId' });
        const [kept] = (await api(ocpp(), 'GET', `/api/v1/stations/${cp.identity}/messages?kind=DataTransfer`)).body.items;
        expect(kept.payload.answer).toEqual({ status: 'UnknownVendorId' });
      } finally {
        await plugins.close();
      }
    });
  });

  describe('meter values', () => {
    const at = (minute: number) => `2026-02-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
    type Sample = { connectorId: number; sampledAt: string; value: number };
    const key = (m: Sample) => `${m.connectorId}@${m.sampledAt}=${m.value}`;

    it('pages with offset through readings that share a timestamp, each sample once', async () => {
      const cp = await booted();
      // Clock-aligned readings: every connector reports at the same instant.
      for (const connectorId of [1, 2, 3]) {
        await send(cp, 'MeterValues', {
          connectorId,
          meterValue: [{ timestamp: at(15), sampledValue: [{ value: `${connectorId}00` }, { value: `${connectorId}01` }] }],
        });
      }
      const all = (await api(ocpp(), 'GET', `/api/v1/stations/${cp.identity}/meter-values`)).body.items as Sample[];
      expect(all).toHaveLength(6);
      const paged: Sample[] = [];
      for (let offset = 0; offset < 8; offset += 4) {
        const page = await api(ocpp(), 'GET', `/api/v1/stations/${cp.identity}/meter-values?limit=4&offset=${offset}`);
        expect(page.status).toBe(200);
        paged.push(...(page.body.items as Sample[]));
      }
      expect(paged.map(key)).toEqual(all.map(key));
    });
  });
});
