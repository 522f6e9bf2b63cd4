/**
 * In-process fake OCPI partner (CPO or eMSP, 2.1.1 or 2.2.1) on a real HTTP server: serves versions
 * and version details, records every call it receives, answers module calls with configurable
 * handlers, and can register with the hub and call it like a real platform.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface Answer {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

export type Handler = (r: Received) => Answer | Promise<Answer>;

export interface FakePartnerOptions {
  version: '2.1.1' | '2.2.1';
  /** The parties this platform is. */
  parties: { countryCode: string; partyId: string; role: 'CPO' | 'EMSP' }[];
  /** Module identifiers it offers (default: every module of its role). */
  modules?: string[];
  /** Versions it claims in /versions (default: its version). */
  versions?: string[];
  /** Which token form it accepts from the hub. */
  acceptEncoding?: 'plain' | 'base64' | 'both';
  /** Our own outbound token form towards the hub. */
  sendEncoding?: 'plain' | 'base64';
}

export class FakePartner {
  readonly received: Received[] = [];
  readonly tokenB = randomBytes(24).toString('base64url');
  /** The token A this partner issues when the hub registers with it (valid on versions and credentials only). */
  readonly tokenA = randomBytes(24).toString('base64url');
  tokenC?: string;
  hubEndpoints: { identifier: string; role?: string; url: string }[] = [];
  /** The hub's version details URL (set by `register`). */
  hubDetailsUrl?: string;
  private readonly handlers: { method: string; path: RegExp; handler: Handler }[] = [];
  private server!: Server;
  /** Replies held back by `delayMs` (a slow partner the hub gives up on): cancelled on close, or the test worker stays alive until they fire. */
  private readonly delayed = new Set<NodeJS.Timeout>();
  baseUrl = '';

  constructor(readonly options: FakePartnerOptions) {}

  get versionsUrl(): string {
    return `${this.baseUrl}/versions`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.serve(req, res));
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const t of this.delayed) clearTimeout(t);
    this.delayed.clear();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Answers calls matching method + path (first registered wins); default is 200/1000. */
  on(method: string, path: RegExp, handler: Handler): this {
    this.handlers.unshift({ method, path, handler });
    return this;
  }

  /** Calls received on a module, e.g. `calls('locations')`. */
  calls(module: string, method?: string): Received[] {
    return this.received.filter((r) => r.path.startsWith(`/${module}`) && (!method || r.method === method));
  }

  private modules(): string[] {
    if (this.options.modules) return this.options.modules;
    const modules = ['credentials', 'locations', 'tokens', 'sessions', 'cdrs', 'tariffs', 'commands'];
    return this.options.version === '2.2.1' ? [...modules, 'hubclientinfo'] : modules;
  }

  private authorised(header: string | undefined, path: string): boolean {
    const accept = this.options.acceptEncoding ?? 'both';
    const configModule = path === '/versions' || path === `/${this.options.version}` || path.startsWith('/credentials');
    return [this.tokenB, ...(configModule ? [this.tokenA] : [])].some((token) => {
      const plain = `Token ${token}`;
      const b64 = `Token ${Buffer.from(token).toString('base64')}`;
      return (accept !== 'base64' && header === plain) || (accept !== 'plain' && header === b64);
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', this.baseUrl);
    const text = Buffer.concat(chunks).toString('utf8');
    const r: Received = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: text ? JSON.parse(text) : undefined };
    this.received.push(r);
    const reply = (a: Answer) => {
      const send = () => {
        res.writeHead(a.status ?? 200, { 'Content-Type': 'application/json', ...(req.headers['x-request-id'] ? { 'X-Request-ID': String(req.headers['x-request-id']) } : {}), ...a.headers });
        res.end(a.body === undefined ? JSON.stringify({ status_code: 1000, timestamp: new Date().toISOString() }) : JSON.stringify(a.body));
      };
      if (!a.delayMs) return send();
      const t = setTimeout(() => {
        this.delayed.delete(t);
        send();
      }, a.delayMs);
      this.delayed.add(t);
    };
    if (!this.authorised(req.headers.authorization, r.path)) return reply({ status: 401, body: { status_code: 2000, status_message: 'unauthorised', timestamp: new Date().toISOString() } });
    const h = this.handlers.find((x) => x.method === r.method && x.path.test(r.path));
    if (h) return reply(await h.handler(r));
    const v = this.options.version;
    if (r.path === '/versions') return reply({ body: ok((this.options.versions ?? [v]).map((version) => ({ version, url: `${this.baseUrl}/${version}` }))) });
    if (r.path === `/${v}`) {
      const endpoints = this.modules().flatMap((identifier) =>
        v === '2.2.1'
          ? [
              { identifier, role: 'SENDER', url: `${this.baseUrl}/${identifier}/sender` },
              { identifier, role: 'RECEIVER', url: `${this.baseUrl}/${identifier}` },
            ]
          : [{ identifier, url: `${this.baseUrl}/${identifier}` }],
      );
      return reply({ body: ok({ version: v, endpoints }) });
    }
    return reply({});
  }

  /** Hub side of an exchange: the Authorization header this partner sends. */
  authHeader(token = this.tokenC): string {
    if (!token) throw new Error('not registered');
    return `Token ${this.options.sendEncoding === 'base64' ? Buffer.from(token).toString('base64') : token}`;
  }

  /** The credentials object this partner posts. */
  credentials(): Record<string, unknown> {
    const business_details = { name: `fake ${this.options.parties[0].partyId}` };
    if (this.options.version === '2.2.1') {
      return { token: this.tokenB, url: this.versionsUrl, roles: this.options.parties.map((p) => ({ role: p.role, business_details, party_id: p.partyId, country_code: p.countryCode })) };
    }
    const p = this.options.parties[0];
    return { token: this.tokenB, url: this.versionsUrl, business_details, party_id: p.partyId, country_code: p.countryCode };
  }

  /** Runs the partner side of the handshake with token A; returns the hub's credentials response. */
  async register(hubVersionsUrl: string, tokenA: string): Promise<{ status: number; body: OcpiBody }> {
    const versions = await this.fetchJson('GET', hubVersionsUrl, undefined, tokenA);
    const entry = (versions.body.data as { version: string; url: string }[]).find((x) => x.version === this.options.version);
    if (!entry) throw new Error('hub does not offer our version');
    this.hubDetailsUrl = entry.url;
    const details = await this.fetchJson('GET', entry.url, undefined, tokenA);
    this.hubEndpoints = (details.body.data as { endpoints: FakePartner['hubEndpoints'] }).endpoints;
    const credsUrl = this.hubEndpoints.find((e) => e.identifier === 'credentials')!.url;
    const res = await this.fetchJson('POST', credsUrl, this.credentials(), tokenA);
    if (res.body.status_code === 1000) this.tokenC = (res.body.data as { token: string }).token;
    return res;
  }

  /** Reads the hub's version details again (with token C), e.g. after an agreement changed. */
  async refreshHubEndpoints(): Promise<FakePartner['hubEndpoints']> {
    if (!this.hubDetailsUrl) throw new Error('not registered');
    const details = await this.fetchJson('GET', this.hubDetailsUrl);
    this.hubEndpoints = (details.body.data as { endpoints: FakePartner['hubEndpoints'] }).endpoints;
    return this.hubEndpoints;
  }

  /** A hub module URL from the version details it gave us. */
  hubUrl(module: string, role?: 'SENDER' | 'RECEIVER'): string {
    const e = this.hubEndpoints.find((x) => x.identifier === module && (!role || !x.role || x.role === role));
    if (!e) throw new Error(`hub offers no ${module} ${role ?? ''}`);
    return e.url;
  }

  /** Calls the hub with our token C (or the given token). */
  async fetchJson(method: string, url: string, body?: unknown, token = this.tokenC, headers: Record<string, string> = {}): Promise<{ status: number; body: OcpiBody; headers: Headers }> {
    const res = await fetch(url, {
      method,
      headers: { ...(token ? { Authorization: this.authHeader(token) } : {}), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as OcpiBody) : ({} as OcpiBody), headers: res.headers };
  }
}

export interface OcpiBody {
  data?: unknown;
  status_code: number;
  status_message?: string;
  timestamp: string;
}

export function ok(data: unknown): OcpiBody {
  return { data, status_code: 1000, timestamp: new Date().toISOString() };
}

export async function startFakePartner(o: FakePartnerOptions): Promise<FakePartner> {
  return new FakePartner(o).start();
}
