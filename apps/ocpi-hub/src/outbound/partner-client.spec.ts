import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jest } from '@jest/globals';
import { MetricsService, personalDataRef } from '@cpo/platform';
import type { Logger } from 'pino';
import type { OcpiHubConfig } from '../config.js';
import type { AuditRepository } from './audit.repository.js';
import { PartnerClient } from './partner-client.js';

/** The hub's outbound lines: a token uid in the URL (real-time authorisation, token pushes) is written as its ref. */
describe('PartnerClient log lines', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ status_code: 1000, timestamp: new Date().toISOString() }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ocpi/emsp/2.2.1/tokens`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('writes the uid a call carries as its ref, in the path, whatever the encoding', async () => {
    const info = jest.fn();
    const logger = { info, warn: jest.fn(), error: jest.fn(), debug: jest.fn() } as unknown as Logger;
    const audit = { record: jest.fn(async () => undefined) } as unknown as AuditRepository;
    const client = new PartnerClient(audit, { OCPI_OUTBOUND_RETRIES: 0, OCPI_PUSH_TIMEOUT_MS: 5_000 } as OcpiHubConfig, logger, new MetricsService());
    const uid = 'DE*ABC*C1234 5678';
    const common = { connectionId: null, partner: 'emsp', module: 'tokens', token: 't', encoding: 'plain' as const, correlationId: 'c-1', personalData: uid };
    await client.call({ ...common, method: 'POST', url: `${base}/${encodeURIComponent(uid)}/authorize?type=RFID` });
    await client.call({ ...common, method: 'PUT', url: `${base}/DE/ABC/${encodeURIComponent(uid)}?type=RFID` });
    const urls = info.mock.calls.map((c) => (c[0] as { url: string }).url);
    const ref = `ref:${personalDataRef(uid)}`;
    expect(urls).toEqual([`${base}/${ref}/authorize?type=RFID`, `${base}/DE/ABC/${ref}?type=RFID`]);
  });
});
