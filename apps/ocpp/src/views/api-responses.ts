import { applyDecorators } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse } from '@nestjs/swagger';

/**
 * A PUT that creates what it names when it does not exist: 201 then, 200 when it replaced an
 * existing one (RFC 9110 §9.3.4), with the same body either way.
 */
export function ApiUpsertResponses(what: string): MethodDecorator {
  return applyDecorators(
    ApiOkResponse({ description: `The ${what}, updated (it existed)` }),
    ApiCreatedResponse({ description: `The ${what}, created (it did not exist)` }),
  );
}

/** A paged list: the page's rows and how many there are in all (`total`, also past the last page). */
export function ApiPageResponse(description: string): MethodDecorator {
  return ApiOkResponse({
    description,
    schema: {
      type: 'object',
      required: ['items', 'total', 'offset', 'limit'],
      properties: {
        items: { type: 'array', items: { type: 'object' } },
        total: { type: 'integer', minimum: 0, description: 'rows matching the filters, on every page' },
        offset: { type: 'integer', minimum: 0 },
        limit: { type: 'integer', minimum: 1 },
      },
    },
  });
}
