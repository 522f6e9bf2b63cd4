import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { API_KEY_HEADER, API_KEY_SECURITY } from '../http/api-key.guard.js';

/** OpenAPI UI at /docs and the JSON document at /docs-json. */
export function setupSwagger(app: INestApplication, service: string, version: string, description: string, bodyLimitBytes: number): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(`${service} API`)
      .setDescription(description)
      .setVersion(version)
      .addApiKey({ type: 'apiKey', in: 'header', name: API_KEY_HEADER }, API_KEY_SECURITY)
      .build(),
  );
  SwaggerModule.setup('docs', app, withBodyRefusals(document, bodyLimitBytes), { jsonDocumentUrl: 'docs-json' });
}

/** The operator API's error body (HttpErrorFilter's ApiErrorBody). */
const API_ERROR_SCHEMA = {
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string', description: 'validation, unauthorized, forbidden, not_found, conflict, payload_too_large, unsupported_media_type, unavailable, timeout, internal_error' },
    message: { type: 'string' },
    details: { type: 'object', additionalProperties: true, description: 'The invalid fields, each with what it must be' },
    correlationId: { type: 'string' },
  },
};

/**
 * What the bootstrap answers for any operation that takes a JSON body, before its handler: 413 for
 * a body over the parser's limit, 415 for one that is not JSON. Added to every such operation (an
 * operation that documents its own keeps it, e.g. a protocol edge with its own envelope).
 */
export function withBodyRefusals(document: OpenAPIObject, bodyLimitBytes: number): OpenAPIObject {
  const refusals = {
    '413': { description: `The body is larger than ${bodyLimitBytes} bytes`, content: { 'application/json': { schema: API_ERROR_SCHEMA } } },
    '415': { description: 'The body is not JSON (Content-Type: application/json)', content: { 'application/json': { schema: API_ERROR_SCHEMA } } },
  };
  for (const item of Object.values(document.paths)) {
    for (const method of ['post', 'put', 'patch', 'delete'] as const) {
      const operation = item[method];
      const body = operation?.requestBody;
      // A documented JSON body (not a $ref'd or multipart one: an upload has its own limits).
      if (operation && body && 'content' in body && body.content['application/json']) operation.responses = { ...refusals, ...operation.responses };
    }
  }
  return document;
}
