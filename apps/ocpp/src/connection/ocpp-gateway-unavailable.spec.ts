import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import WebSocket from 'ws';
import type { OcppConfig } from '../config.js';
import { NO_SHARED_MEMORY } from '../stations/shared-password-memory.js';
import { OcppGateway } from './ocpp-gateway.js';

const config = {
  OCPP_PATH_PREFIX: '/ocpp',
  OCPP_LEGACY_IDENTITIES: false,
  OCPP_SUBPROTOCOLS: ['ocpp1.6'],
  OCPP_UNKNOWN_STATION_POLICY: 'auto-register',
  OCPP_TRUST_PROXY_TLS: false,
  OCPP_CALL_TIMEOUT_MS: 30_000,
  OCPP_CALL_QUEUE_LIMIT: 10,
  OCPP_PING_INTERVAL_MS: 0,
  OCPP_MAX_BAD_FRAMES_PER_MINUTE: 10,
} as unknown as OcppConfig;

/** The status and headers an upgrade is refused with. */
function refusal(url: string): Promise<{ status: number; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['ocpp1.6']);
    ws.once('open', () => (ws.terminate(), reject(new Error('upgraded'))));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] });
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

describe('OcppGateway while the database is unavailable', () => {
  it('refuses an upgrade whose station cannot be read with 503 and Retry-After (temporary), not 500', async () => {
    const server = createServer();
    const stub = <T>(o: object) => o as T;
    const counter = { inc: () => undefined };
    const down = async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    };
    const gateway = new OcppGateway(
      stub({ httpAdapter: { getHttpServer: () => server } }),
      stub({}),
      stub({ admission: down, registerUnknown: down }),
      stub({}),
      stub({ subprotocol: 'ocpp1.6' }),
      stub({}),
      stub({ connectionEvents: counter }),
      config,
      pino({ level: 'silent' }),
      NO_SHARED_MEMORY,
      stub({}),
    );
    gateway.onApplicationBootstrap();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      // No password checks waiting: the shortest wait, 5 s ± 20 % jitter.
      const { status, retryAfter } = await refusal(`ws://127.0.0.1:${port}/ocpp/CP-NEW`);
      expect(status).toBe(503);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(4);
      expect(Number(retryAfter)).toBeLessThanOrEqual(6);
    } finally {
      gateway.onApplicationShutdown();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
