import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse } from '@nestjs/swagger';

type Schema = Record<string, unknown>;

const TOKEN_STATUS = ['Accepted', 'Blocked', 'Expired', 'Invalid'];

/** A local token as the id-tag routes answer it. */
export const ID_TAG_SCHEMA: Schema = {
  type: 'object',
  required: ['idTag', 'status', 'effectiveStatus', 'expiryDate', 'parentIdTag', 'updatedAt'],
  properties: {
    idTag: { type: 'string', maxLength: 20 },
    status: { type: 'string', enum: TOKEN_STATUS, description: 'As set (PUT); unchanged when expiryDate passes' },
    effectiveStatus: {
      type: 'string',
      enum: TOKEN_STATUS,
      description: 'What Authorize answers for the token now (before ConcurrentTx, which depends on its sessions): Expired once expiryDate has passed for an Accepted token, else status',
    },
    expiryDate: { type: 'string', format: 'date-time', nullable: true },
    parentIdTag: { type: 'string', nullable: true },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

/** A row of a station's charging-profiles view: desired (planner) vs applied (accepted by the charger). */
export const CHARGING_PROFILE_SCHEMA: Schema = {
  type: 'object',
  properties: {
    chargingProfileId: { type: 'integer' },
    connectorId: { type: 'integer' },
    purpose: { type: 'string' },
    state: { type: 'string', enum: ['pending', 'applied', 'rejected', 'failed', 'cleared'], description: "What our last SetChargingProfile of the desired profile did (applied: the charger accepted it); it stays applied after the profile's schedule ends" },
    desired: { type: 'object', description: "The planner's limit" },
    applied: { type: 'object', nullable: true, description: 'The ChargingProfile the charger last accepted under this id (null: none, or cleared)' },
    appliedAt: { type: 'string', format: 'date-time', nullable: true },
    inEffect: {
      type: 'boolean',
      description: "Whether the applied profile acts now: its validFrom and an Absolute or Recurring profile's startSchedule reached, its validTo and an Absolute profile's startSchedule + duration not, and a Recurring profile within the duration of its current day or week; false without one",
    },
    appliedUntil: { type: 'string', format: 'date-time', nullable: true, description: 'When the applied profile stops acting (the earlier of validTo and an Absolute schedule\'s end); null: no end, or none applied' },
  },
  additionalProperties: true,
};

/** A row of a station's operator-profiles view: a profile a command from outside installed. */
export const OPERATOR_PROFILE_SCHEMA: Schema = {
  type: 'object',
  properties: {
    chargingProfileId: { type: 'integer' },
    connectorId: { type: 'integer' },
    purpose: { type: 'string', enum: ['ChargePointMaxProfile', 'TxDefaultProfile', 'TxProfile'] },
    stackLevel: { type: 'integer' },
    transactionId: { type: 'integer', nullable: true, description: "A TxProfile's transaction (its own, or the one running on the connector when it was installed)" },
    profile: { type: 'object', description: 'The ChargingProfile the charger accepted' },
    installedAt: { type: 'string', format: 'date-time' },
    inEffect: { type: 'boolean', description: 'Whether the profile acts now (as in charging-profiles)' },
    appliedUntil: { type: 'string', format: 'date-time', nullable: true, description: 'When it stops acting; null: no end' },
  },
};

/**
 * A PUT that creates what it names when it does not exist: 201 then, 200 when it replaced an
 * existing one (RFC 9110 §9.3.4), with the same body either way.
 */
export function ApiUpsertResponses(what: string, schema?: Schema): MethodDecorator {
  return applyDecorators(
    ApiOkResponse({ description: `The ${what}, updated (it existed)`, ...(schema && { schema }) }),
    ApiCreatedResponse({ description: `The ${what}, created (it did not exist)`, ...(schema && { schema }) }),
  );
}

/** A paged list: the page's rows and how many there are in all (`total`, also past the last page). */
export function ApiPageResponse(description: string, item: Schema): MethodDecorator {
  return ApiOkResponse({
    description,
    schema: {
      type: 'object',
      required: ['items', 'total', 'offset', 'limit'],
      properties: {
        items: { type: 'array', items: item },
        total: { type: 'integer', minimum: 0, description: 'rows matching the filters, on every page' },
        offset: { type: 'integer', minimum: 0 },
        limit: { type: 'integer', minimum: 1 },
      },
    },
  });
}

/** The platform's error body (ValidationError: per-field messages in `details`). */
const API_ERROR_SCHEMA: Schema = {
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
    details: { type: 'object', additionalProperties: true, description: 'The invalid fields, each with what it must be' },
    correlationId: { type: 'string' },
  },
};

/** A 400 for a request its validation refuses, naming what it refuses. */
export function ApiInvalidRequest(description: string): MethodDecorator {
  return ApiBadRequestResponse({ description, schema: API_ERROR_SCHEMA });
}

/** A DELETE that answers 204 with no body; 404 when there was nothing to delete. */
export function ApiDeleted(what: string): MethodDecorator {
  return applyDecorators(ApiNoContentResponse({ description: `The ${what} was deleted` }), ApiNotFoundResponse({ description: `No ${what} with this id` }));
}

/** GET /id-tags/{idTag}: the token (the spelling Authorize answers with), or 404. */
export function ApiIdTagResponse(): MethodDecorator {
  return applyDecorators(ApiOkResponse({ description: 'The token', schema: ID_TAG_SCHEMA }), ApiNotFoundResponse({ description: 'No such token, in any case' }));
}
