import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { InboundIds } from '@cpo/ocpp-protocol';
import pino from 'pino';
import WebSocket from 'ws';
import type { OcppConfig } from '../config.js';
import { NO_SHARED_MEMORY } from '../stations/shared-password-memory.js';
import type { StationAdmission } from '../stations/station.repository.js';
import { OcppGateway } from './ocpp-gateway.js';

// A full GC on demand without `--expose-gc` on jest's command line: the flag is honoured for a
// context created after it is set.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const station: StationAdmission = {
  id: 'CP-1',
  passwordHash: null,
  pendingPasswordHash: null,
  earlierPendingPasswordHash: null,
  securityProfile: 0,
  registrationStatus: 'Accepted',
  validationPolicy: 'strict',
  lastBootStatus: 'Accepted',
  subprotocolAliases: {},
  missingSubprotocol: null,
  autoRegistered: false,
};

const config = {
  OCPP_PATH_PREFIX: '/ocpp',
  OCPP_LEGACY_IDENTITIES: false,
  OCPP_SUBPROTOCOLS: ['ocpp1.6'],
  OCPP_UNKNOWN_STATION_POLICY: 'reject',
  OCPP_TRUST_PROXY_TLS: false,
  OCPP_CALL_TIMEOUT_MS: 30_000,
  OCPP_CALL_QUEUE_LIMIT: 10,
  OCPP_PING_INTERVAL_MS: 0,
  OCPP_MAX_BAD_FRAMES_PER_MINUTE: 10,
} as unknown as OcppConfig;

/** The gateway on a real HTTP server, every collaborator a stub; `attached` resolves when the session is registered. */
function gatewayOn(server: Server): { gateway: OcppGateway; attached: Promise<void> } {
  let attachedNow!: () => void;
  const attached = new Promise<void>((r) => (attachedNow = r));
  const stub = <T>(o: object) => o as T;
  const counter = { inc: () => undefined, observe: () => undefined };
  const gateway = new OcppGateway(
    stub({ httpAdapter: { getHttpServer: () => server } }),
    stub({}),
    stub({ admission: async () => station }),
    stub({ idsFor: () => new InboundIds(), attach: async () => attachedNow(), activity: () => undefined }),
    stub({ subprotocol: 'ocpp1.6' }),
    stub({ connected: async () => undefined }),
    stub({ connectionEvents: counter, badFrames: counter, inboundCalls: counter, inboundDuration: counter, outboundCalls: counter, outboundDuration: counter }),
    config,
    pino({ level: 'silent' }),
    NO_SHARED_MEMORY,
    stub({}),
  );
  return { gateway, attached };
}

describe('OcppGateway', () => {
  it('keeps no reference to the upgrade request once the charger is connected', async () => {
    const server = createServer();
    const { gateway, attached } = gatewayOn(server);
    // Registered before the gateway's listener: only a weak reference leaves this test.
    let request: WeakRef<IncomingMessage> | undefined;
    server.on('upgrade', (req: IncomingMessage) => (request = new WeakRef(req)));
    gateway.onApplicationBootstrap();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/ocpp/CP-1`, ['ocpp1.6']);
    try {
      await new Promise((r, e) => (client.once('open', r), client.once('error', e)));
      await attached;
      expect(request).toBeDefined();
      // The request's own callbacks (http parser, ws handshake) end on later ticks, later still on a
      // busy machine: collected within 2 s, or kept by the connection.
      for (let i = 0; i < 100 && request!.deref() !== undefined; i++) {
        await new Promise((r) => setTimeout(r, 20));
        gc();
      }
      expect(client.readyState).toBe(WebSocket.OPEN);
      // The url, not the object: a retained request would print as the whole IncomingMessage.
      expect(request!.deref()?.url).toBeUndefined();
    } finally {
      client.terminate();
      gateway.onApplicationShutdown();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
