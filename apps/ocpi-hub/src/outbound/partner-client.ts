import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { MetricsService, personalDataRef, ROOT_LOGGER, TimeoutError, UnavailableError } from '@cpo/platform';
import { authorizationHeader, hopHeaders, OcpiResponseSchema, type ParsedOcpiResponse, type PartyRef, type TokenEncoding } from '@cpo/ocpi-protocol';
import type { Logger } from 'pino';
import { Counter, Histogram } from 'prom-client';
import { HUB_CONFIG, type OcpiHubConfig } from '../config.js';
import { AuditRepository } from './audit.repository.js';
import { callOutcome, type CallOutcome } from './call-outcome.js';

export interface OutboundCall {
  connectionId: string | null;
  partner: string;
  module: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  token: string;
  encoding: TokenEncoding;
  body?: unknown;
  correlationId: string;
  /** Routing headers, sent to 2.2.1 partners (and 2.1.1 ones that opted in). */
  to?: PartyRef;
  from?: PartyRef;
  timeoutMs?: number;
  /** An outer deadline (real-time authorisation cancels the losers). */
  signal?: AbortSignal;
  /**
   * The personal identifier a segment of `url` carries (a token uid: real-time authorisation, token
   * pushes), written as its ref in the call's log line, as the request log writes it (docs/ocpi-hub.md).
   */
  personalData?: string;
}

export interface OutboundResult {
  httpStatus: number;
  /** The partner's envelope, when the body was one. */
  envelope?: ParsedOcpiResponse;
  headers: Headers;
  requestId: string;
}

/** `url` with each path segment that is `value` (percent-decoded) written as `ref:{personalDataRef}`. */
function urlForLog(url: string, value: string | undefined): string {
  if (value === undefined) return url;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const decoded = (segment: string) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment; // not percent-encoding we wrote: compared as it is
    }
  };
  const redacted = path
    .split('/')
    .map((segment) => (segment !== '' && decoded(segment) === value ? `ref:${personalDataRef(value)}` : segment))
    .join('/');
  return q === -1 ? redacted : `${redacted}${url.slice(q)}`;
}

/** Failures that happen before the request left: the only ones safe to retry. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH']);

function errorCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: string } })?.cause;
  return cause?.code ?? (err as { code?: string })?.code;
}

/**
 * Outbound OCPI calls: a new X-Request-ID per hop with the same correlation id, the partner's token
 * encoding, a timeout, bounded retries on connection failures only, and an audit row per attempt.
 */
@Injectable()
export class PartnerClient {
  private readonly requests: Counter<'module' | 'outcome'>;
  private readonly duration: Histogram<'module'>;

  constructor(
    private readonly audit: AuditRepository,
    @Inject(HUB_CONFIG) private readonly config: OcpiHubConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    metrics: MetricsService,
  ) {
    // The names are what the dashboards and alerts use: do not rename.
    this.requests = new Counter({
      name: 'ocpi_outbound_requests_total',
      help: 'Outbound calls (attempts) to OCPI partners, by module and outcome (ok | ocpi_error | http_error | timeout | network)',
      labelNames: ['module', 'outcome'],
      registers: [metrics.registry],
    });
    this.duration = new Histogram({
      name: 'ocpi_outbound_request_duration_seconds',
      help: 'Duration of outbound calls (attempts) to OCPI partners, from sending to the whole answer read',
      labelNames: ['module'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [metrics.registry],
    });
  }

  private observe(module: string, outcome: CallOutcome | undefined, seconds: number): void {
    // A call the hub itself cancelled (a real-time authorisation loser) is neither the partner's fault nor a timeout.
    if (!outcome) return;
    this.requests.inc({ module, outcome });
    this.duration.observe({ module }, seconds);
  }

  async call(c: OutboundCall): Promise<OutboundResult> {
    const retries = this.config.OCPI_OUTBOUND_RETRIES;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.once(c, attempt);
      } catch (err) {
        const retriable = err instanceof UnavailableError && CONNECT_ERRORS.has(errorCode(err.cause) ?? '') && !c.signal?.aborted;
        if (!retriable || attempt > retries) throw err;
        await new Promise((r) => setTimeout(r, 100 * 3 ** (attempt - 1)));
      }
    }
  }

  private async once(c: OutboundCall, attempt: number): Promise<OutboundResult> {
    const requestId = randomUUID();
    const started = performance.now();
    const headers: Record<string, string> = {
      Authorization: authorizationHeader(c.token, c.encoding),
      ...hopHeaders({ requestId, correlationId: c.correlationId, to: c.to, from: c.from }),
    };
    if (c.body !== undefined) headers['Content-Type'] = 'application/json';
    const timeout = AbortSignal.timeout(c.timeoutMs ?? this.config.OCPI_PUSH_TIMEOUT_MS);
    const signal = c.signal ? AbortSignal.any([timeout, c.signal]) : timeout;
    const log = { partner: c.partner, module: c.module, method: c.method, url: urlForLog(c.url, c.personalData), requestId, correlationId: c.correlationId, hop: 'outbound', attempt };
    const record = (o: { httpStatus?: number; statusCode?: number; error?: string }) =>
      this.audit.record({ connectionId: c.connectionId, module: c.module, method: c.method, url: c.url, requestId, correlationId: c.correlationId, attempt, durationMs: performance.now() - started, ...o });
    let res: Response;
    let text: string;
    try {
      res = await fetch(c.url, { method: c.method, headers, body: c.body === undefined ? undefined : JSON.stringify(c.body), signal, redirect: 'error' });
      text = await res.text();
    } catch (err) {
      const timedOut = timeout.aborted;
      this.observe(c.module, callOutcome({ error: err, ownTimeout: timedOut, outerSignal: c.signal }), (performance.now() - started) / 1000);
      record({ error: timedOut ? 'timeout' : (errorCode(err) ?? (err as Error).message) });
      this.logger.warn({ ...log, err: timedOut ? undefined : err }, timedOut ? 'ocpi call timed out' : 'ocpi call failed');
      if (timedOut) throw new TimeoutError(`${c.partner} did not answer ${c.method} ${c.module} in time`, undefined, { cause: err });
      throw new UnavailableError(`${c.partner} unreachable: ${errorCode(err) ?? (err as Error).message}`, undefined, { cause: err });
    }
    let envelope: ParsedOcpiResponse | undefined;
    try {
      const parsed = OcpiResponseSchema.safeParse(JSON.parse(text));
      envelope = parsed.success ? parsed.data : undefined;
    } catch {
      envelope = undefined;
    }
    this.observe(c.module, callOutcome({ httpStatus: res.status, statusCode: envelope?.status_code }), (performance.now() - started) / 1000);
    record({ httpStatus: res.status, statusCode: envelope?.status_code });
    this.logger.info({ ...log, httpStatus: res.status, statusCode: envelope?.status_code, ms: Math.round(performance.now() - started) }, 'ocpi call');
    return { httpStatus: res.status, envelope, headers: res.headers, requestId };
  }
}
