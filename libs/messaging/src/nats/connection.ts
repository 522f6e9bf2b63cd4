import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';

export interface NatsSettings {
  servers: string[];
  name: string;
  user?: string;
  pass?: string;
}

/**
 * Connects with unlimited reconnects: a NATS outage degrades readiness but
 * never kills the process, and the client buffers while reconnecting.
 */
export async function connectNats(s: NatsSettings, logger: Logger): Promise<NatsConnection> {
  const nc = await connect({
    servers: s.servers,
    name: s.name,
    user: s.user,
    pass: s.pass,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    pingInterval: 20_000,
    // Each request/publish otherwise captures a stack trace for its error path: ~10 % of the relay's CPU.
    noAsyncTraces: true,
  });
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'error') logger.warn({ status: status.type }, 'nats connection problem');
      else if (status.type === 'reconnect') logger.info('nats reconnected');
    }
  })();
  return nc;
}

/** Readiness: the connection is open and the server answers a round trip. */
export async function checkNats(nc: NatsConnection): Promise<{ rttMs: number; server: string }> {
  if (nc.isClosed()) throw new Error('connection closed');
  const rttMs = await nc.rtt();
  return { rttMs: Math.round(rttMs * 100) / 100, server: nc.getServer() };
}
