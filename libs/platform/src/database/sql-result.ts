/**
 * TypeORM's `query()` returns `[rows, affectedCount]` for UPDATE and DELETE (even with RETURNING or
 * behind a WITH), but plain rows for SELECT and INSERT. This gives the rows in every case.
 */
export function returnedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

/** How many rows an UPDATE or DELETE touched (or how many a SELECT/INSERT returned). */
export function affectedRows(result: unknown): number {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[1];
  return Array.isArray(result) ? result.length : 0;
}
