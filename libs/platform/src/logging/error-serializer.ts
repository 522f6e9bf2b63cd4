import { pino } from 'pino';

/**
 * Fields of a failed query that hold the statement's values: TypeORM's QueryFailedError carries the
 * bound `parameters`, and PostgreSQL's error its `detail` ("Failing row contains (TAG1, …)", "Key
 * (id_tag)=(TAG1) already exists"). Those values are idTags, eMAIDs, names: personal data that every
 * other log line writes as a ref. The statement text (`query`, with $1 placeholders), the SQLSTATE
 * `code`, `constraint`, `table` and `column` stay: they say what failed without whose data.
 */
function dropQueryValues(error: Record<string, unknown>): void {
  delete error['parameters'];
  // `detail` only where it is PostgreSQL's (a pg error has a severity; TypeORM copies both onto its error).
  if ('severity' in error || 'query' in error) delete error['detail'];
}

/**
 * The root logger's `err` serializer: pino's standard one, then without the values of a failed
 * query, in the error itself and in the errors serialised inside it (TypeORM's `driverError`, an
 * AggregateError's members). A cause's properties are never serialised by pino (only its message
 * and stack), so they need nothing.
 */
export function errWithoutQueryValues(err: unknown): unknown {
  const serialized = pino.stdSerializers.err(err as Error) as unknown;
  const pending: unknown[] = [serialized];
  for (let node = pending.pop(), seen = 0; node !== undefined && seen < 100; node = pending.pop(), seen++) {
    if (typeof node !== 'object' || node === null) continue;
    const record = node as Record<string, unknown>;
    dropQueryValues(record);
    for (const value of Object.values(record)) {
      if (Array.isArray(value)) pending.push(...value.filter(isSerializedError));
      else if (isSerializedError(value)) pending.push(value);
    }
  }
  return serialized;
}

function isSerializedError(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'message' in value && 'stack' in value;
}
