import { Body, Controller, Get, HttpCode, Module, Post, Put, Query, Req } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';
import type { Request } from 'express';
import type { PlatformConfig } from '../config/platform-config.js';
import { OptionalNonNull, QueryInt } from '../http/dto-rules.js';
import { createRootLogger } from '../logging/logger.js';
import { PlatformModule } from '../platform.module.js';
import { createApp, JSON_BODY_LIMIT_BYTES } from './bootstrap.js';

class Connector {
  @IsInt() @Min(1) connectorId!: number;
}

class ThingDto {
  @OptionalNonNull() @IsIn(['on', 'off']) state?: 'on' | 'off';
  @IsOptional() @IsString() note?: string | null;
  @IsOptional() @ValidateNested({ each: true }) @Type(() => Connector) connectors?: Connector[];
  @IsOptional() x?: unknown;
}

class PageDto {
  @IsOptional() @QueryInt() @IsInt() @Min(0) offset = 0;
  @IsOptional() @QueryInt() @IsInt() @Min(1) @Max(1000) limit = 100;
}

@Controller('t')
class ProbeController {
  @Put('thing')
  put(@Body() dto: ThingDto) {
    return { ...dto };
  }

  @Post('raw')
  @HttpCode(200)
  raw(@Body() body: unknown) {
    return { body: body ?? null };
  }

  @Post('nobody')
  @HttpCode(200)
  nobody() {
    return { ok: true };
  }

  /** A route reading its body otherwise (as a multipart upload does, through an interceptor). */
  @Post('upload')
  @HttpCode(200)
  upload(@Req() req: Request) {
    return { type: req.headers['content-type'] };
  }

  @Get('page')
  page(@Query() q: PageDto) {
    return { ...q };
  }
}

const config = { SERVICE_NAME: 'boot-test', SERVICE_VERSION: '0.0.0', OPERATOR_API_KEY: 'test-operator-key-0123456789' } as PlatformConfig;

/** `{"x": [[[…]]]}` with `depth` levels in all, as text: JSON.stringify itself overflows on deep values. */
const nestedBody = (depth: number) => `{"x":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;

describe('createApp: request bodies and the operator error shape', () => {
  const logger = createRootLogger({ service: 'boot-test', level: 'silent' });
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    @Module({ imports: [PlatformModule.forRoot(config, logger)], controllers: [ProbeController] })
    class TestModule {}
    app = await createApp(TestModule, { config, logger, description: 'test' });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(() => app?.close());

  const send = async (method: string, path: string, body?: string, contentType = 'application/json') => {
    const res = await fetch(`${base}${path}`, { method, body, headers: body === undefined ? {} : { 'content-type': contentType } });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };

  it('refuses a body nested deeper than 64 levels with a 400 before validation (it overflowed the stack as a 500)', async () => {
    expect(await send('PUT', '/t/thing', nestedBody(4000))).toMatchObject({ status: 400, body: { error: 'validation', message: expect.stringContaining('deeper than 64') } });
    expect(await send('POST', '/t/raw', nestedBody(65))).toMatchObject({ status: 400 });
    expect(await send('POST', '/t/raw', nestedBody(64))).toMatchObject({ status: 200 });
  });

  it('names each invalid field with its messages in details, nested fields by dotted path', async () => {
    const res = await send('PUT', '/t/thing', JSON.stringify({ state: 'dim', connectors: [{ connectorId: 1 }, { connectorId: 0 }], extra: 1 }));
    expect(res).toEqual({
      status: 400,
      body: {
        statusCode: 400,
        error: 'validation',
        message: expect.stringContaining('validation failed'),
        details: { state: expect.stringContaining('state must be one of'), 'connectors.1.connectorId': expect.stringContaining('connectorId must not be less than 1'), extra: 'property extra should not exist' },
        correlationId: expect.any(String),
      },
    });
    expect((await send('GET', '/t/page?limit=0x')).body).toMatchObject({ details: { limit: expect.stringContaining('limit must be an integer number') } });
  });

  it('refuses null for a field where it means nothing, and keeps it where the DTO allows it', async () => {
    expect(await send('PUT', '/t/thing', JSON.stringify({ state: null }))).toMatchObject({ status: 400, body: { details: { state: expect.any(String) } } });
    expect(await send('PUT', '/t/thing', JSON.stringify({ state: 'on', note: null }))).toEqual({ status: 200, body: { state: 'on', note: null } });
  });

  it('reads query integers only as decimal digits: empty, hex, exponent and padded values are a 400', async () => {
    for (const q of ['limit=', 'limit=0x10', 'limit=1e2', 'offset=', 'offset=%2010', 'offset=0b1', 'limit=5.0']) {
      const res = await send('GET', `/t/page?${q}`);
      expect({ q, status: res.status, field: Object.keys((res.body?.details as object | undefined) ?? {}) }).toEqual({ q, status: 400, field: [q.split('=')[0]] });
    }
    expect(await send('GET', '/t/page?limit=16&offset=007')).toEqual({ status: 200, body: { limit: 16, offset: 7 } });
    expect(await send('GET', '/t/page')).toEqual({ status: 200, body: { limit: 100, offset: 0 } });
  });

  it('answers 415 for a body that is not JSON, instead of reading it as {} or as form fields', async () => {
    expect(await send('PUT', '/t/thing', 'state=on', 'application/x-www-form-urlencoded')).toMatchObject({ status: 415, body: { statusCode: 415, error: 'unsupported_media_type' } });
    expect(await send('PUT', '/t/thing', '{"state":"on"}', 'text/plain')).toMatchObject({ status: 415, body: { error: 'unsupported_media_type' } });
    expect(await send('POST', '/t/raw', '{"a":1}', 'application/merge-patch+json')).toEqual({ status: 200, body: { body: { a: 1 } } });
    expect(await send('POST', '/t/raw', '{"a":1}', 'application/json; charset=utf-8')).toEqual({ status: 200, body: { body: { a: 1 } } });
    // No body at all: whatever the Content-Type, nothing to refuse.
    expect((await fetch(`${base}/t/nobody`, { method: 'POST', headers: { 'content-type': 'text/plain' } })).status).toBe(200);
    expect((await send('POST', '/t/nobody')).status).toBe(200);
    // A route without @Body() reads no JSON: its body is its own business (rems-ingest's multipart import).
    expect(await send('POST', '/t/upload', '--b\r\n', 'multipart/form-data; boundary=b')).toEqual({ status: 200, body: { type: 'multipart/form-data; boundary=b' } });
  });

  it('uses one error vocabulary: malformed JSON is validation, an oversized body payload_too_large, an unknown route not_found', async () => {
    expect(await send('POST', '/t/raw', '{"a":')).toMatchObject({ status: 400, body: { statusCode: 400, error: 'validation' } });
    expect(await send('POST', '/t/raw', JSON.stringify({ a: 'x'.repeat(JSON_BODY_LIMIT_BYTES) }))).toMatchObject({ status: 413, body: { statusCode: 413, error: 'payload_too_large' } });
    expect(await send('GET', '/t/nowhere')).toMatchObject({ status: 404, body: { error: 'not_found' } });
  });

  it('documents 413 and 415 with the error body on every operation that documents a body', async () => {
    const doc = (await (await fetch(`${base}/docs-json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { properties?: Record<string, unknown> } }> }> }>> };
    const responses = doc.paths['/t/thing']!['put']!.responses;
    expect(Object.keys(responses)).toEqual(expect.arrayContaining(['200', '413', '415']));
    expect(responses['413']!.content!['application/json']!.schema.properties).toHaveProperty('details');
    expect(Object.keys(doc.paths['/t/page']!['get']!.responses)).not.toContain('415');
  });
});
