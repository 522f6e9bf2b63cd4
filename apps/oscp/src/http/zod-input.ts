import { formatZodIssues } from '@cpo/oscp-protocol';
import { ValidationError } from '@cpo/platform';
import type { z } from 'zod';

/** Validates operator input with zod; failures become a 400 with per-field messages. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new ValidationError(formatZodIssues(parsed.error), parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  return parsed.data;
}
