/**
 * Sender-side pagination (`transport_and_format` §Pagination): query parsing with clamping,
 * `date_from` inclusive / `date_to` exclusive on both versions, and the response headers
 * `Link` (with every original filter kept), `X-Total-Count` and `X-Limit` (our maximum).
 */
import { parseDateTime } from './common.js';

export interface PageQuery {
  offset: number;
  /** Already clamped to the module maximum. */
  limit: number;
  /** Inclusive lower bound on `last_updated`. */
  dateFrom?: Date;
  /** Exclusive upper bound on `last_updated`. */
  dateTo?: Date;
  /** The filters exactly as the client sent them, for the `Link` header. */
  rawDateFrom?: string;
  rawDateTo?: string;
}

export type PageQueryResult = { ok: true; value: PageQuery } | { ok: false; reason: string };

/**
 * Parses `offset`, `limit`, `date_from`, `date_to`. A missing or over-large `limit` becomes
 * `maxLimit`; bad numbers or dates are a client error (2001).
 */
export function parsePageQuery(query: Record<string, unknown>, maxLimit: number, options: { requireDateFrom?: boolean } = {}): PageQueryResult {
  const offset = parseNonNegative(query.offset, 0);
  if (offset === undefined) return { ok: false, reason: 'offset must be a non-negative integer' };
  const requested = parseNonNegative(query.limit, maxLimit);
  if (requested === undefined) return { ok: false, reason: 'limit must be a non-negative integer' };
  const value: PageQuery = { offset, limit: Math.min(requested, maxLimit) };
  for (const [key, field, raw] of [
    ['date_from', 'dateFrom', query.date_from],
    ['date_to', 'dateTo', query.date_to],
  ] as const) {
    if (raw === undefined) continue;
    if (typeof raw !== 'string') return { ok: false, reason: `${key} must be given once` };
    const parsed = parseDateTime(raw);
    if (!parsed) return { ok: false, reason: `${key} is not an OCPI DateTime` };
    value[field] = parsed;
    if (field === 'dateFrom') value.rawDateFrom = raw;
    else value.rawDateTo = raw;
  }
  if (options.requireDateFrom && !value.dateFrom) return { ok: false, reason: 'date_from is required' };
  return { ok: true, value };
}

function parseNonNegative(raw: unknown, fallback: number): number | undefined {
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw)) return undefined;
  return Number(raw);
}

/** True when `lastUpdated` falls in `[dateFrom, dateTo)`. */
export function inWindow(lastUpdated: Date, q: Pick<PageQuery, 'dateFrom' | 'dateTo'>): boolean {
  if (q.dateFrom && lastUpdated.getTime() < q.dateFrom.getTime()) return false;
  if (q.dateTo && lastUpdated.getTime() >= q.dateTo.getTime()) return false;
  return true;
}

/**
 * The pagination response headers. `Link` is present only when there is a next page and keeps
 * every filter of the request (and any extra query parameters, e.g. routing hints).
 */
export function paginationHeaders(baseUrl: string, q: PageQuery, total: number, maxLimit: number, returned: number, extraParams: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { 'X-Total-Count': String(total), 'X-Limit': String(maxLimit) };
  const nextOffset = q.offset + returned;
  if (returned > 0 && nextOffset < total) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(extraParams)) params.set(k, v);
    if (q.rawDateFrom !== undefined) params.set('date_from', q.rawDateFrom);
    if (q.rawDateTo !== undefined) params.set('date_to', q.rawDateTo);
    params.set('offset', String(nextOffset));
    params.set('limit', String(q.limit));
    headers.Link = `<${baseUrl}?${params.toString()}>; rel="next"`;
  }
  return headers;
}

/** The `next` URL of a partner's `Link` header (receiver side: follow it, never compute offsets). */
export function nextLink(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part.trim());
    if (m) return m[1];
  }
  return undefined;
}
