import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { OutboxWriter } from '@cpo/messaging';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { AuthorizationService } from '../authorization/authorization.service.js';
import { CommandExecutor, mayHaveReachedCharger } from '../commands/command-executor.js';
import { idTagRef } from '../log-redaction.js';
import type { OcppConfig } from '../config.js';
import { OcppMetrics } from '../metrics/ocpp-metrics.js';
import { publishSettled } from './remote-start-events.js';
import { RemoteStartRepository } from './remote-start.repository.js';

/**
 * `Accepted` to RemoteStartTransaction only means "will try": success is the StartTransaction that
 * follows. Requests are recorded, linked to that transaction, or reported as timed out (TC_011_2)
 * after `OCPP_REMOTE_START_TIMEOUT_S`; one the charger cannot have acted on (CallError, never sent)
 * is `Failed` at once. Each final state is published (`ocpp.remote-start.settled`) in the
 * transaction that records it.
 */
@Injectable()
export class RemoteStartTracker implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly executor: CommandExecutor,
    private readonly remoteStarts: RemoteStartRepository,
    private readonly metrics: OcppMetrics,
    private readonly db: DataSource,
    private readonly outbox: OutboxWriter,
    private readonly authorization: AuthorizationService,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    // The recorded row of each request in flight, by its payload (the executor hands the same object
    // to the hooks before and after the call): the answer settles that row, never another request of
    // the same tag that happens to be the latest open one.
    const recorded = new WeakMap<object, number>();
    // When each request went out: its command's START_SESSION marker, if any, was written before.
    const sentAt = new WeakMap<object, number>();
    this.executor.beforeSending('RemoteStartTransaction', async (ctx, payload) => {
      sentAt.set(payload, performance.now());
      const req = payload as unknown as Partial<Ocpp16.RemoteStartTransactionRequest>;
      if (typeof req.idTag === 'string') recorded.set(payload, await this.remoteStarts.requested(ctx.stationId, typeof req.connectorId === 'number' ? req.connectorId : undefined, req.idTag));
    });
    this.executor.afterFailure(
      'RemoteStartTransaction',
      async (ctx, payload, failure, timing) => {
        const id = recorded.get(payload);
        // One that may have reached the charger waits for its StartTransaction (or times out).
        if (id === undefined || mayHaveReachedCharger(failure)) return;
        await this.db.transaction(async (tx) => {
          const settled = await this.remoteStarts.failed(tx, id);
          await publishSettled(this.outbox, tx, settled ? [settled] : []);
        });
        // A CallError after our timeout: its command was told TIMEOUT, so its caller (the OCPI
        // command) kept the token's marker; the charger did not act, so it goes as for a refusal.
        if (timing?.late) await this.notCommanded(ctx.stationId, (payload as unknown as Ocpp16.RemoteStartTransactionRequest).idTag, sentAt.get(payload) ?? performance.now());
      },
      { late: true },
    );
    this.executor.afterAnswer('RemoteStartTransaction', async (ctx, payload, answer) => {
      const id = recorded.get(payload);
      const accepted = (answer as unknown as Ocpp16.RemoteStartTransactionResponse).status === 'Accepted';
      if (id !== undefined) {
        await this.db.transaction(async (tx) => {
          const settled = await this.remoteStarts.answered(tx, id, accepted);
          await publishSettled(this.outbox, tx, settled ? [settled] : []);
        });
      }
      if (!accepted) await this.notCommanded(ctx.stationId, (payload as unknown as Ocpp16.RemoteStartTransactionRequest).idTag, sentAt.get(payload) ?? performance.now());
    });
  }

  /**
   * A remote start the charger did not carry out — refused (also after our timeout, when its OCPI
   * command already reported TIMEOUT), a CallError, never sent: an eMSP's START_SESSION marker for
   * the tag at the station (AuthorizationService.rememberCommanded) must not keep its sessions there
   * Accepted without the hub, nor exempt from ConcurrentTx, for the rest of its 15 minutes, unless
   * another remote start of it there is still open (a second car's refused command must not take the
   * first one's exemption away), nor one remembered after `markedBy` (a `performance.now()` taken
   * once this command's marker was written: a retried START_SESSION whose request is not recorded
   * yet). Best effort: logged, never thrown.
   */
  async notCommanded(stationId: string, idTag: string, markedBy: number): Promise<void> {
    try {
      if (!(await this.remoteStarts.openFor(stationId, idTag))) await this.authorization.forgetCommanded(stationId, idTag, markedBy);
    } catch (err) {
      this.logger.warn({ err, stationId, idTagRef: idTagRef(idTag) }, "refused remote start's token not forgotten; it stays commanded until its marker expires");
    }
  }

  onApplicationBootstrap(): void {
    const periodMs = Math.max(1000, Math.min(this.config.OCPP_REMOTE_START_TIMEOUT_S * 1000, 30_000) / 2);
    this.timer = setInterval(() => void this.expire(), periodMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async expire(): Promise<void> {
    try {
      const expired = await this.db.transaction(async (tx) => {
        const rows = await this.remoteStarts.expire(tx, this.config.OCPP_REMOTE_START_TIMEOUT_S);
        await publishSettled(this.outbox, tx, rows);
        return rows;
      });
      for (const { answered, stationId, idTag } of expired) {
        this.metrics.remoteStartTimeouts.inc();
        const where = { stationId, idTag };
        this.logger.warn(where, answered ? 'remote start accepted by the charger but no transaction started in time' : 'remote start unanswered and no transaction started in time');
      }
    } catch (err) {
      this.logger.error({ err }, 'could not expire remote starts');
    }
  }
}
