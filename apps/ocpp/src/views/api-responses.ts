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
