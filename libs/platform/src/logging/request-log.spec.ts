import { Writable } from 'node:stream';
import { Body, Controller, Get, HttpCode, Inject, Module, Post, Res } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { createApp } from '../bootstrap/bootstrap.js';
import type { PlatformConfig } from '../config/platform-config.js';
import { PlatformModule } from '../platform.module.js';
import { currentCorrelationId } from './correlation.js';
import { createRootLogger, ROOT_LOGGER } from './logger.js';
import { PinoNestLogger } from './nest-logger.js';
import { personalDataRef } from './personal-data.js';

type Line = Record<string, unknown> & { msg?: string; level?: string };

function capture(level = 'info'): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  return { logger: createRootLogger({ service: 'log-test', level }, sink), lines };
}

@Controller('t')
class ProbeController {
  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  /** Logs from inside the handler, after the JSON body was parsed (stream `end` callback). */
  @Post('echo')
  @HttpCode(200)
  async echo(@Body() body: { n: number }) {
    await new Promise((r) => setTimeout(r, 5));
    this.logger.info({ n: body.n }, 'handled');
    return { n: body.n, correlationId: currentCorrelationId() };
  }

  @Get('hop')
  hop(@Res() res: Response) {
    res.setHeader('X-Request-ID', 'hop-7');
    res.status(200).json({ ok: true });
  }

  @Get('boom')
  boom() {
    throw new Error('kaput');
  }

  @Get('cards/:card')
  card() {
    return { ok: true };
  }

  @Get('cards/:card/boom')
  cardBoom() {
    throw new Error('kaput');
  }
}

const config = { SERVICE_NAME: 'log-test', SERVICE_VERSION: '0.0.0', OPERATOR_API_KEY: 'test-operator-key-0123456789' } as PlatformConfig;

describe('request logging and correlation (createApp)', () => {
  const { logger, lines } = capture();
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    @Module({ imports: [PlatformModule.forRoot(config, logger, { personalDataInUrls: { paths: ['/t/cards/:card'], query: ['card'] } })], controllers: [ProbeController] })
    class TestModule {}
    app = await createApp(TestModule, { config, logger, description: 'test' });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(() => app?.close());

  const requestLine = async (url: string) => {
    for (let i = 0; i < 50 && !lines.some((l) => (l.req as { url?: string } | undefined)?.url === url); i += 1) await new Promise((r) => setTimeout(r, 10));
    return lines.find((l) => (l.req as { url?: string } | undefined)?.url === url);
  };

  it('runs the handler in the request correlation context, also after a JSON body was read', async () => {
    const res = await fetch(`${base}/t/echo`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Correlation-ID': 'corr-body-1' }, body: JSON.stringify({ n: 1 }) });
    expect(res.headers.get('x-correlation-id')).toBe('corr-body-1');
    expect(await res.json()).toEqual({ n: 1, correlationId: 'corr-body-1' });
    expect(lines.find((l) => l.msg === 'handled')).toMatchObject({ n: 1, correlationId: 'corr-body-1', service: 'log-test' });
  });

  it('logs one line per request with method, url, status, time, correlation id and the hop request id', async () => {
    const res = await fetch(`${base}/t/hop?x=1`, { headers: { 'X-Correlation-ID': 'corr-hop-1' } });
    expect(res.status).toBe(200);
    expect(await requestLine('/t/hop?x=1')).toMatchObject({
      level: 'info',
      msg: 'request completed',
      req: { method: 'GET', url: '/t/hop?x=1' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
      correlationId: 'corr-hop-1',
      requestId: 'hop-7',
    });
  });

  it('takes X-Request-ID as the correlation id when there is no X-Correlation-ID, and mints one otherwise', async () => {
    const fromRequestId = await fetch(`${base}/t/hop`, { headers: { 'X-Request-ID': 'req-only-1' } });
    expect(fromRequestId.headers.get('x-correlation-id')).toBe('req-only-1');
    const minted = await fetch(`${base}/t/hop`);
    expect(minted.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs server errors at error level and client errors at warn', async () => {
    expect((await fetch(`${base}/t/boom`)).status).toBe(500);
    expect(await requestLine('/t/boom')).toMatchObject({ level: 'error', msg: 'request errored', res: { statusCode: 500 } });
    expect((await fetch(`${base}/t/nowhere`)).status).toBe(404);
    expect(await requestLine('/t/nowhere')).toMatchObject({ level: 'warn', msg: 'request completed', res: { statusCode: 404 } });
  });

  it('writes the personal parts of the URL the app declared as refs, in the request line and the 5xx filter line', async () => {
    const tag = `04A1${Math.random().toString(16).slice(2, 8)}`;
    expect((await fetch(`${base}/t/cards/${tag}?card=${tag}&x=1`)).status).toBe(200);
    const redacted = `/t/cards/ref:${personalDataRef(tag)}?card=ref:${personalDataRef(tag)}&x=1`;
    expect(await requestLine(redacted)).toMatchObject({ level: 'info', req: { method: 'GET', url: redacted } });
    expect((await fetch(`${base}/t/cards/${tag}/boom`)).status).toBe(500);
    expect(await requestLine(`/t/cards/ref:${personalDataRef(tag)}/boom`)).toMatchObject({ level: 'error' });
    expect(lines.find((l) => l.context === 'HttpErrorFilter' && l.path === `/t/cards/ref:${personalDataRef(tag)}/boom`)).toBeDefined();
    expect(JSON.stringify(lines)).not.toContain(tag);
  });

  it('does not log health probes', async () => {
    await fetch(`${base}/health`);
    await fetch(`${base}/t/hop?after-health`);
    await requestLine('/t/hop?after-health');
    expect(lines.some((l) => (l.req as { url?: string } | undefined)?.url === '/health')).toBe(false);
  });

  it('sends neither X-Powered-By nor an ETag', async () => {
    const res = await fetch(`${base}/t/hop`);
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('etag')).toBeNull();
  });
});

describe('PinoNestLogger', () => {
  it('writes Nest log calls with their context, and error stacks as err', () => {
    const { logger, lines } = capture('debug');
    const nest = new PinoNestLogger(logger);
    nest.log('Mapped {/t, GET} route', 'RouterExplorer');
    nest.error('boom', 'Error: boom\n    at somewhere (x.js:1:1)', 'ExceptionsHandler');
    nest.warn({ detail: 1 }, 'Ctx');
    nest.verbose('not at debug level');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'Mapped {/t, GET} route', context: 'RouterExplorer' });
    expect(lines[1]).toMatchObject({ level: 'error', msg: 'boom', context: 'ExceptionsHandler', err: { message: 'boom', stack: expect.stringContaining('at somewhere') } });
    expect(lines[2]).toMatchObject({ level: 'warn', detail: 1, context: 'Ctx' });
  });
});
