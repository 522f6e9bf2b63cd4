import { z } from 'zod';

/** Every OCPI response body: `{data?, status_code, status_message?, timestamp}`. */
export interface OcpiResponse<T = unknown> {
  data?: T;
  status_code: number;
  status_message?: string;
  timestamp: string;
}

/** Builds a response envelope; `data` is left out when undefined (PUT/PATCH replies, errors). */
export function ocpiResponse<T>(statusCode: number, data?: T, message?: string, now: Date = new Date()): OcpiResponse<T> {
  const body: OcpiResponse<T> = { status_code: statusCode, timestamp: now.toISOString() };
  if (data !== undefined) body.data = data;
  if (message !== undefined) body.status_message = message;
  return body;
}

/** Tolerant parse of a partner's envelope: `data` may be absent, `status_message` may be null. */
export const OcpiResponseSchema = z.looseObject({
  data: z.unknown().optional(),
  status_code: z.number().int(),
  status_message: z.string().nullish(),
  timestamp: z.string().optional(),
});
export type ParsedOcpiResponse = z.infer<typeof OcpiResponseSchema>;
