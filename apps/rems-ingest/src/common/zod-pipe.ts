import { Injectable, PipeTransform } from '@nestjs/common';
import { ValidationError } from '@cpo/platform';
import type { z } from 'zod';

/**
 * Validates a body or query with a zod schema (this service's one validation library). Failures
 * become a ValidationError whose details carry the per-field map both APIs render: the device API
 * as `fieldError`, the operator API as `details.fieldError`.
 */
@Injectable()
export class ZodPipe<T extends z.ZodType> implements PipeTransform<unknown, z.infer<T>> {
  constructor(private readonly schema: T) {}

  transform(value: unknown): z.infer<T> {
    const parsed = this.schema.safeParse(value ?? {});
    if (parsed.success) return parsed.data;
    throw new ValidationError('validation failed', { errorType: 'VALIDATION_FAILED', fieldError: fieldErrors(parsed.error) });
  }
}

/** One message per field (the first), keyed by the dotted path; `_` for the root. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? issue.path.join('.') : '_';
    out[key] ??= issue.message;
  }
  return out;
}
