/** Outcome label of one outbound OCPI call, as `ocpi_outbound_requests_total{outcome}` counts it. */
export type CallOutcome = 'ok' | 'ocpi_error' | 'http_error' | 'timeout' | 'network';

export type CallResult =
  | { httpStatus: number; statusCode?: number }
  | {
      error: unknown;
      /** The call's own timeout fired. */
      ownTimeout: boolean;
      /** The caller's signal (an outer deadline or a cancellation). */
      outerSignal?: AbortSignal;
    };

/**
 * Classifies a call for the metrics:
 * - `ok`: HTTP 2xx with an OCPI envelope saying 1xxx (the only success, as the OCN node counts it);
 * - `ocpi_error`: the partner's OCPI layer answered with another status code (2xxx/3xxx/4xxx), with
 *   HTTP 2xx or 404 (2.2.1 answers an unknown token with HTTP 404 + 2004);
 * - `http_error`: any other HTTP answer (401, 5xx, …) or a body that is no OCPI envelope;
 * - `timeout`: our timeout or the caller's deadline fired;
 * - `network`: the request did not complete (refused, reset, DNS, TLS).
 * `undefined` when the caller cancelled the call itself (not a partner failure; not counted).
 */
export function callOutcome(r: CallResult): CallOutcome | undefined {
  if ('httpStatus' in r) {
    if (r.statusCode === undefined) return 'http_error';
    const twoHundred = r.httpStatus >= 200 && r.httpStatus < 300;
    if (twoHundred && r.statusCode >= 1000 && r.statusCode < 2000) return 'ok';
    return twoHundred || r.httpStatus === 404 ? 'ocpi_error' : 'http_error';
  }
  if (r.ownTimeout) return 'timeout';
  if (r.outerSignal?.aborted) return (r.outerSignal.reason as { name?: string } | undefined)?.name === 'TimeoutError' ? 'timeout' : undefined;
  return 'network';
}
