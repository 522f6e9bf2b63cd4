/** Boots the hub for integration tests and drives its operator API. */
import { startTestApp, type TestApp } from '@cpo/testing';
import type { DestinationStream } from 'pino';
import { AppModule } from '../src/app.module.js';
import { loadOcpiHubConfig, type OcpiHubConfig } from '../src/config.js';
import { migrations } from '../src/migrations/index.js';
import type { FakePartner } from './fake-partner.js';

export const API_KEY = 'test-operator-key-0123456789';

export interface Hub {
  t: TestApp<OcpiHubConfig>;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Creates a connection for the partner's parties; returns its token A and versions URL. */
  connect(p: FakePartner, extra?: Record<string, unknown>): Promise<{ id: string; tokenA: string; versionsUrl: string }>;
  /** connect + the partner's handshake; throws unless it succeeded. */
  register(p: FakePartner, extra?: Record<string, unknown>): Promise<string>;
  agree(cpo: FakePartner, emsp: FakePartner, extra?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export async function startHub(env: Record<string, string> = {}, options: { logDestination?: DestinationStream } = {}): Promise<Hub> {
  const t = await startTestApp({ loadConfig: loadOcpiHubConfig, createModule: AppModule.forRoot, database: 'ocpi', migrations, env, logDestination: options.logDestination });
  const api: Hub['api'] = async (method, path, body) => {
    const res = await fetch(`${t.baseUrl}/api/v1/ocpi/${path}`, {
      method,
      headers: { 'X-API-Key': API_KEY, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} };
  };
  const connect: Hub['connect'] = async (p, extra = {}) => {
    const res = await api('POST', 'connections', { name: `fake-${p.options.parties[0].partyId}`, parties: p.options.parties, ...extra });
    if (res.status !== 201) throw new Error(`connection not created: ${JSON.stringify(res.body)}`);
    return res.body as { id: string; tokenA: string; versionsUrl: string };
  };
  return {
    t,
    api,
    connect,
    async register(p, extra) {
      const c = await connect(p, extra);
      const res = await p.register(c.versionsUrl, c.tokenA);
      if (res.body.status_code !== 1000) throw new Error(`registration failed: ${JSON.stringify(res.body)}`);
      return c.id;
    },
    async agree(cpo, emsp, extra = {}) {
      const c = cpo.options.parties.find((x) => x.role === 'CPO')!;
      const e = emsp.options.parties.find((x) => x.role === 'EMSP')!;
      const res = await api('POST', 'agreements', { cpo: { countryCode: c.countryCode, partyId: c.partyId }, emsp: { countryCode: e.countryCode, partyId: e.partyId }, ...extra });
      if (res.status !== 201) throw new Error(`agreement not created: ${JSON.stringify(res.body)}`);
      return (res.body as { id: string }).id;
    },
    close: () => t.close(),
  };
}
