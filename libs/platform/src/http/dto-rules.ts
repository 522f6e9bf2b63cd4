import { Transform } from 'class-transformer';
import { ValidateIf } from 'class-validator';

/**
 * An optional body field that, when present, must pass its validators, `null` included.
 * class-validator's IsOptional skips null as well as undefined: a `{"status": null}` then reached
 * the service (and the database's NOT NULL, or a hash function) as a 500. Use IsOptional only where
 * the API documents null as meaningful (e.g. "null clears it").
 */
export function OptionalNonNull(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}

/** A decimal integer as written in a query string: optional sign and digits, nothing else. */
const DECIMAL_INTEGER = /^[+-]?\d+$/;

/**
 * Turns a query-string integer into a number, and only a decimal one. `@Type(() => Number)` read
 * `limit=` as 0, `limit=0x10` as 16, `1e3` as 1000 and ` 7 ` as 7; such a value now stays a string,
 * so the field's IsInt refuses it with a 400 naming the field. Values that are not strings (a JSON
 * number in a body, the field's default) pass through unchanged.
 */
export function QueryInt(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (typeof value === 'string' && DECIMAL_INTEGER.test(value) ? Number(value) : value));
}
