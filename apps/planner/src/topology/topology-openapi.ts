import type { SchemaObject } from '@nestjs/swagger';
import { z } from 'zod';
import { GroupFields, StationFields } from './topology-file.js';

/**
 * The PUT bodies in OpenAPI, generated from the same zod schemas that validate them (the path
 * names the group or station, so the body omits it). Cross-field rules (a connector listed once,
 * minimum ≤ maximum current, a station once per group) are not expressible there; the 400 names them.
 */
function openApi(schema: z.ZodType): SchemaObject {
  return z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0', unrepresentable: 'any' }) as SchemaObject;
}

export const groupBodySchema = openApi(GroupFields.omit({ groupId: true }));
export const stationBodySchema = openApi(StationFields.omit({ stationId: true }));
