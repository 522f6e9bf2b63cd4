import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, KeyedTurns, ROOT_LOGGER } from '@cpo/platform';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import { LocalListAsks } from './local-list-ask.js';
import { LocalListSyncRepository } from './local-list-sync.repository.js';
import { LocalListRepository } from './local-list.repository.js';
import { CommandExecutor, mayHaveReachedCharger, type CallFailure } from '../commands/command-executor.js';

/**
 * The size of the list after an accepted SendLocalList: a Full update holds its tags (entries
 * without `idTagInfo` add nothing; `a1` and `A1` are one: IdToken is a CiString); a Differential changes the list by an amount
 * known only where its entries are (LocalListRepository.applied counts them then), so `null` = unknown, except that an empty one changes nothing.
 */
export function listSizeAfter(req: Ocpp16.SendLocalListRequest): number | null | undefined {
  const list = req.localAuthorizationList ?? [];
  if (req.updateType === 'Full') return new Set(list.filter((e) => e.idTagInfo !== undefined).map((e) => e.idTag.toLowerCase())).size;
  return list.length === 0 ? undefined : null;
}

/** A CallError by which the charger says it cannot answer GetLocalListVersion at all (not a passing failure). */
export function versionUnavailable(failure: CallFailure): failure is Extract<CallFailure, { kind: 'error' }> {
  return failure.kind === 'error' && failure.mayHaveActed !== true && (failure.code === 'NotImplemented' || failure.code === 'NotSupported');
}

/**
 * Remembers the local authorisation list version and entries each charger holds (guide §2.4): moved only by an
 * accepted SendLocalList or the charger's own GetLocalListVersion answer (`-1` = not supported). A
 * refused update changes the stored status, which after Failed or VersionMismatch tells the
 * operator to send a full list, and then leaves the entries uncertain (LocalListRepository.refused).
 * An update left unanswered may have been applied: the version is then unknown (`TimedOut`), never
 * the old one shown as if the charger still held it, and the entries uncertain (the old ones and
 * the update's, what it may hold), until a GetLocalListVersion answer settles it (LocalListRepository.reported;
 * LocalListSync asks for one), recorded only under the list's claim (LocalListAsks).
 * A station's outcomes are recorded one after another, in the order the charger answered (its
 * calls go one at a time): the next call goes out as soon as one is answered, so its answer may
 * come while the first one's effect is still being written. Concurrent, the later could commit
 * first and the earlier overwrite it: an older version recorded over a newer one, or a
 * VersionMismatch judged against the version before the update the charger had just accepted.
 */
@Injectable()
export class LocalListEffects implements OnModuleInit {
  private readonly turns = new KeyedTurns();
  private readonly asks: LocalListAsks;

  constructor(
    private readonly executor: CommandExecutor,
    private readonly lists: LocalListRepository,
    claims: LocalListSyncRepository,
    @Inject(APP_CONFIG) config: Pick<OcppConfig, 'OCPP_CALL_TIMEOUT_MS'>,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.asks = new LocalListAsks(claims, lists, config.OCPP_CALL_TIMEOUT_MS, logger);
  }

  /** Runs `record` after the station's earlier outcomes are recorded (chained when the hook is called: in answer order). */
  private inOrder(stationId: string, record: () => Promise<void>): Promise<void> {
    return this.turns.run(stationId, record);
  }

  onModuleInit(): void {
    // Its rules (unique idTags, listVersion, idTagInfo in a Full list) are command rules
    // (commands/command-rules.ts): checked before a command travels, so none reaches this module.
    this.executor.afterAnswer('SendLocalList', (ctx, payload, answer) =>
      this.inOrder(ctx.stationId, async () => {
        const req = payload as unknown as Ocpp16.SendLocalListRequest;
        const status = (answer as unknown as Ocpp16.SendLocalListResponse).status;
        if (status === 'Accepted') await this.lists.applied(ctx.stationId, req, listSizeAfter(req));
        else await this.lists.refused(ctx.stationId, req, status);
      }),
    );
    this.executor.afterFailure('SendLocalList', (ctx, payload, failure) =>
      this.inOrder(ctx.stationId, async () => {
        if (!mayHaveReachedCharger(failure)) return;
        const req = payload as unknown as Ocpp16.SendLocalListRequest;
        const log = { stationId: ctx.stationId, listVersion: req.listVersion, updateType: req.updateType, failure: failure.kind };
        if (await this.lists.unconfirmed(ctx.stationId, req)) this.logger.info(log, 'local list update unanswered: the list is uncertain until the charger reports its version (asked at its next connection or the sweep)');
        else this.logger.warn(log, 'local list update unanswered on a list not known before it: uncertain until a Full list is accepted');
      }),
    );
    // Whoever asks (an operator, a repair), the claim is looked at before the call goes out: an
    // answer is recorded only under it (LocalListAsks).
    this.executor.beforeSending('GetLocalListVersion', (ctx, payload) => this.asks.before(ctx.stationId, payload));
    this.executor.afterAnswer('GetLocalListVersion', (ctx, payload, answer) =>
      this.inOrder(ctx.stationId, async () => {
        const settled = await this.asks.answered(ctx.stationId, payload, (answer as unknown as Ocpp16.GetLocalListVersionResponse).listVersion);
        if (!settled) return;
        const stationId = ctx.stationId;
        if (settled.outcome === 'unknown' && !settled.certain) this.logger.warn({ stationId, ...settled }, 'local list left uncertain: the charger reports neither the unanswered update\'s version nor the one before it; send a Full list');
        else this.logger.info({ stationId, ...settled }, 'local list unanswered update settled by the version the charger reports');
      }),
    );
    // A charger that cannot answer GetLocalListVersion (LocalAuthListManagement not implemented)
    // never will: its pending update is dropped once (under the claim, as an answer is recorded), not asked about at every sweep.
    this.executor.afterFailure('GetLocalListVersion', (ctx, payload, failure) =>
      this.inOrder(ctx.stationId, async () => {
        const code = versionUnavailable(failure) ? failure.code : undefined;
        const dropped = await this.asks.failed(ctx.stationId, payload, code);
        if (dropped) this.logger.warn({ stationId: ctx.stationId, ...dropped, code }, 'local list unanswered update, or the Full list due to a replaced unit, dropped: the charger does not answer GetLocalListVersion; uncertain until a Full list is accepted');
      }),
    );
  }
}
