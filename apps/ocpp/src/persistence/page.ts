/** A page of an operator list. */
export interface Page<T> {
  items: T[];
  total: number;
  offset: number;
  limit: number;
}

/**
 * The `total` of a page read with `count(*) OVER ()`: a page past the last row has no row to carry
 * it, so the count is asked for separately (only then), instead of reporting 0 rows in all.
 */
export async function pageTotal(rows: Record<string, unknown>[], offset: number, count: () => Promise<{ total: unknown }[]>): Promise<number> {
  if (rows[0]) return Number(rows[0]['total']);
  return offset > 0 ? Number((await count())[0]?.total ?? 0) : 0;
}
