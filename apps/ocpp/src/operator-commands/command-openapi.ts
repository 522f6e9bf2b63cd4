import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { MAX_OCPP_COMMAND_TIMEOUT_MS } from '@cpo/contracts';
import { CS_ACTIONS_16 } from '@cpo/ocpp-protocol';
import { openApiSchemaOf } from '../commands/command-reply.http.js';

/**
 * OpenAPI of the command routes, kept beside what they answer: a command's body is always the
 * reply (`OcppCommandReply`), whatever its status (see httpStatusOfReply), and the platform's error
 * body only for what is refused before a reply exists (an unknown action, a bad `timeoutMs`, the bulk
 * request's own 400/409). Without this, the document showed a bare 200 and an empty bulk body.
 */
const OK_REPLY = {
  type: 'object',
  required: ['status', 'payload'],
  properties: {
    status: { type: 'string', enum: ['ok'] },
    payload: { type: 'object', additionalProperties: true, description: "The charger's CallResult payload as it sent it (it may itself say Rejected)" },
  },
};

const ERROR_REPLY = {
  type: 'object',
  required: ['status', 'code', 'description'],
  properties: {
    status: { type: 'string', enum: ['error'] },
    code: {
      type: 'string',
      description:
        'InvalidRequest (400), UnknownStation (404: the station was never registered), NotAccepted / Superseded / Conflict (409), QueueFull (429), CentralSystemError (500), Offline / ReplicaTimeout (503), Timeout / QueueTimeout (504), else the OCPP-J CallError code of the charger (502)',
    },
    description: { type: 'string', maxLength: 1024 },
    details: { description: 'Per-field errors ({errors: [{path, message}]}) for InvalidRequest, the CallError details for a CallError' },
    mayHaveActed: {
      type: 'boolean',
      enum: [true],
      description: 'Present when the charger may have carried the command out although no valid answer came (the socket closed after the call was sent, a malformed or schema-breaking answer, an answer that could not come back from the replica holding the station: unreadable, or over the bus\'s 1 MiB max_payload, or that replica not answering in time): treat the outcome as unknown, not as refused',
    },
  },
};

const API_ERROR = {
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' }, details: {}, correlationId: { type: 'string' } },
};

const json = (schema: Record<string, unknown>) => ({ schema });

/**
 * The body of POST /stations/{id}/commands/{action}: the request schema of the action the path
 * names. A path parameter cannot select a schema in OpenAPI 3.0 (a discriminator reads the body), so
 * the body is any of the actions' schemas, each titled `{action}Request`. Not `oneOf`: payloads valid
 * for several actions (`{}` for ClearCache, GetConfiguration…; a Heartbeat trigger for TriggerMessage
 * and ExtendedTriggerMessage) matched more than one and were invalid under it, so a client or gateway
 * validating against the document refused commands the service takes.
 */
export function ApiCommandBody(): MethodDecorator {
  return ApiBody({
    description: "The OCPP request payload of the action named by {action}: the schema titled {action}Request (checked against that one only; an invalid payload is a 400 InvalidRequest)",
    schema: { anyOf: CS_ACTIONS_16.map((action) => ({ ...openApiSchemaOf(action), title: `${action}Request` })) },
  });
}

/** Every status POST /stations/{id}/commands/{action} answers, each with the reply it carries. */
export function ApiCommandReplies(): MethodDecorator {
  const error = (status: number, description: string, schema: Record<string, unknown> = ERROR_REPLY) => ApiResponse({ status, description, content: { 'application/json': json(schema) } });
  return applyDecorators(
    ApiResponse({ status: 200, description: "{status:'ok', payload}: the charger's answer", content: { 'application/json': json(OK_REPLY) } }),
    error(400, 'InvalidRequest: an invalid payload or station id, or one asking more than the station reported it takes (e.g. a connectorId above its NumberOfConnectors), with per-field errors (an unknown action or a bad timeoutMs: the API error body)', { oneOf: [ERROR_REPLY, API_ERROR] }),
    error(404, 'UnknownStation: no station with this id was ever registered (it never connected, nor was it created with PUT /stations/{id}); a registered one no replica holds is a 503'),
    error(409, 'NotAccepted (the station is not accepted), Superseded, or Conflict (a reservationId of another station, a profile id or slot of the grid limits)'),
    error(429, 'QueueFull: too many commands queued for the station'),
    error(500, 'CentralSystemError: this service failed (its database, its bus, an unreadable reply of another replica, a charger answer too large for the bus), not the charger; with mayHaveActed when the charger had answered'),
    error(502, "The charger's CallError, with its code"),
    error(503, 'Offline: no replica holds the station (a registered one; over the bus, ocpp.command.{stationId}, any station). ReplicaTimeout: the replica holding the station did not answer over the bus in time: our own infrastructure, not the charger; with mayHaveActed (that replica may have sent the call)'),
    error(504, 'Timeout: no answer in time (the charger may have acted); QueueTimeout: the call still waited behind earlier calls to the station at its timeout and was never sent (the charger did not act)'),
  );
}

/** The bulk route's answers: a result per station (any reply, with its stationId), or the request refused whole. */
export function ApiBulkReplies(): MethodDecorator {
  const result = { allOf: [{ type: 'object', required: ['stationId'], properties: { stationId: { type: 'string' } } }, { oneOf: [OK_REPLY, ERROR_REPLY] }] };
  return applyDecorators(
    ApiResponse({
      status: 200,
      description: 'One result per distinct station id, in the order given; a station that fails has its own typed error (the HTTP status of each is that of the single command), UnknownStation for an id never registered',
      content: { 'application/json': json({ type: 'object', required: ['results'], properties: { results: { type: 'array', items: result } } }) },
    }),
    ApiResponse({ status: 400, description: 'A bad station id (naming each index) or a payload invalid for every station; no station got the command', content: { 'application/json': json(API_ERROR) } }),
    ApiResponse({ status: 409, description: 'A charging profile id reserved for the grid limits; no station got the command', content: { 'application/json': json(API_ERROR) } }),
  );
}

/** The bulk request's fields as OpenAPI shows them (validated by the class-validator decorators beside these). */
export const BulkCommandProperty = {
  stationIds: () => ApiProperty({ type: [String], minItems: 1, maxItems: 10_000, description: "Station ids (1–48 printable characters without ':' or '/'); a repeated id gets the command once" }),
  action: () => ApiProperty({ enum: CS_ACTIONS_16 }),
  payload: () => ApiProperty({ type: 'object', additionalProperties: true, description: 'The OCPP request payload of the action, the same for every station' }),
  timeoutMs: () => ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_OCPP_COMMAND_TIMEOUT_MS, description: "How long to wait for each charger's answer; absent = OCPP_CALL_TIMEOUT_MS" }),
};
