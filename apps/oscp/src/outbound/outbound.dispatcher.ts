import { tokenAuthorization } from '@cpo/oscp-protocol';
import { APP_CONFIG, MetricsService, ROOT_LOGGER } from '@cpo/platform';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { DataSource, type EntityManager } from 'typeorm';
import type { OscpConfig } from '../config.js';
import { PartnerRepository } from '../partners/partner.repository.js';
import { OscpHttpClient } from './http-client.js';
import { OutboundRepository, type OutboundMessage } from './outbound.repository.js';
import { decide, type AttemptOutcome } from './retry-policy.js';

/** Runs, in the transaction that records the outcome, when a message of one action is delivered or given up. */
export interface OutcomeHandler {
  onSent?: (message: OutboundMessage, tx: EntityManager) => Promise<void>;
  onFailed?: (message: OutboundMessage, outcome: AttemptOutcome, tx: EntityManager) => Promise<void>;
}

const BATCH = 10;

/**
 * Delivers queued outbound messages: one fresh `X-Request-ID` per message (kept across its
 * retries), the partner's current token, a timeout, bounded retries with backoff, and the outcome
 * recorded in the audit row together with the sender's follow-up state change.
 */
@Injectable()
export class OutboundDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly handlers = new Map<string, OutcomeHandler>();
  private readonly logger: Logger;
  private readonly sent: Counter<'action' | 'result'>;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly outbound: OutboundRepository,
    private readonly partners: PartnerRepository,
    private readonly http: OscpHttpClient,
    private readonly dataSource: DataSource,
    metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: OscpConfig,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'oscp-outbound' });
    this.sent = new Counter({ name: 'oscp_outbound_total', help: 'Outbound OSCP attempts by action and result', labelNames: ['action', 'result'], registers: [metrics.registry] });
  }

  /** Registers what happens after delivery (or final failure) of one action's messages. */
  on(action: string, handler: OutcomeHandler): void {
    this.handlers.set(action, handler);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.kick(), this.config.OSCP_DISPATCH_INTERVAL_MS);
    this.kick();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Looks for due messages now (called after a commit that queued one). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((err: unknown) => this.logger.error({ err }, 'outbound dispatch failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const due = await this.outbound.claimDue(BATCH, this.config.OSCP_HTTP_TIMEOUT_MS * 2);
      if (due.length === 0) return;
      await Promise.all(due.map((m) => this.attempt(m)));
      if (this.stopped) return;
    }
  }

  private async attempt(message: OutboundMessage): Promise<void> {
    const partner = await this.partners.get(message.partnerId);
    const token = message.action === 'register' ? (partner?.outboundToken ?? partner?.initialToken) : partner?.outboundToken;
    let outcome: AttemptOutcome;
    let responseBody: string | undefined;
    if (!partner || !token) {
      outcome = { kind: 'answer', status: 0 };
    } else {
      const headers: Record<string, string> = { authorization: tokenAuthorization(token), 'x-request-id': message.requestId };
      if (message.correlationId) headers['x-correlation-id'] = message.correlationId;
      try {
        const answer = await this.http.send(`${partner.baseUrl.replace(/\/+$/, '')}/${message.action}`, message.method, headers, message.body, this.config.OSCP_HTTP_TIMEOUT_MS);
        outcome = { kind: 'answer', status: answer.status };
        responseBody = answer.body;
      } catch (err) {
        outcome = { kind: 'no_answer', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
      }
    }
    const decision = partner && token ? decide(outcome, message.attempts, message.maxAttempts, this.config.OSCP_HTTP_RETRY_BASE_MS) : { result: 'failed' as const };
    this.sent.inc({ action: message.action, result: decision.result });
    const error = outcome.kind === 'no_answer' ? outcome.error : !partner ? 'partner deleted' : !token ? 'no outbound token' : undefined;
    const log = { action: message.action, requestId: message.requestId, attempt: message.attempts, status: outcome.kind === 'answer' ? outcome.status : undefined, error };
    if (decision.result === 'sent') this.logger.info(log, 'oscp message delivered');
    else this.logger.warn({ ...log, decision: decision.result }, 'oscp message not delivered');
    const handler = this.handlers.get(message.action);
    await this.dataSource.transaction(async (tx) => {
      await this.outbound.finish(tx, message.id, {
        status: decision.result === 'retry' ? 'pending' : decision.result,
        responseStatus: outcome.kind === 'answer' && outcome.status > 0 ? outcome.status : undefined,
        responseBody,
        error,
        retryInMs: decision.result === 'retry' ? decision.delayMs : undefined,
      });
      const final = { ...message, status: decision.result === 'sent' ? ('sent' as const) : ('failed' as const) };
      if (decision.result === 'sent') await handler?.onSent?.(final, tx);
      if (decision.result === 'failed') await handler?.onFailed?.(final, outcome, tx);
    });
  }
}
