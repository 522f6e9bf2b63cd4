import { BadRequestException } from '@nestjs/common';
import type { ValidationError as ClassValidatorError } from 'class-validator';

/**
 * class-validator's errors as the operator API documents `details`: each invalid field (nested ones
 * by their dotted path, array items by index: `stations.0.maxCurrentA`) → what is wrong with it,
 * its messages joined by "; ". The same shape the services' own ValidationErrors carry.
 */
export function fieldMessages(errors: readonly ClassValidatorError[]): Record<string, string> {
  const out: Record<string, string> = {};
  // Iterative, like the depth check: a DTO's nesting is ours, but its error tree mirrors the input.
  const pending: [error: ClassValidatorError, prefix: string][] = errors.map((e) => [e, '']);
  for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
    const [error, prefix] = next;
    const path = `${prefix}${error.property}`;
    const messages = Object.values(error.constraints ?? {});
    if (messages.length > 0) out[path] = messages.join('; ');
    for (const child of error.children ?? []) pending.push([child, `${path}.`]);
  }
  return out;
}

/**
 * A DTO the ValidationPipe refused: a 400 carrying the field map for the operator error body. A Nest
 * BadRequestException, not the platform's ValidationError, so protocol edges (OCPI answers a
 * ValidationError with HTTP 200 and status_code 2001) keep mapping DTO failures as before.
 */
export class DtoValidationException extends BadRequestException {
  constructor(readonly details: Record<string, string>) {
    super(`validation failed: ${Object.keys(details).slice(0, 5).join(', ')}${Object.keys(details).length > 5 ? ', …' : ''}`);
  }
}

/** The ValidationPipe's exceptionFactory. */
export function validationException(errors: ClassValidatorError[]): DtoValidationException {
  return new DtoValidationException(fieldMessages(errors));
}
