import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { OcppCommandErrorCode, type OcppCommandReply, type OcppCommandRequest } from '@cpo/contracts';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import { CommandExecutor } from '../commands/command-executor.js';
import { CommandService } from '../commands/command.service.js';
import type { OcppConfig } from '../config.js';
import { SessionRegistry } from '../connection/session-registry.js';
import type { StationContext } from '../connection/station-context.js';
import { CLAIM_MARGIN_MS, CLAIM_POLL_MS, inDoubt, repairOwner, whileRenewing } from './local-list-claim.js';
import { LocalListSyncRepository, type RepairClaim } from './local-list-sync.repository.js';

/**
 * Settles an update to a station's list left unanswered by asking the charger its version
 * (GetLocalListVersion): the answer's effect settles the update (LocalListEffects, in the
 * transaction that records the version, only while this repair still holds the claim). The ask
 * and the recording of its answer hold the list's claim, as a sync round does
 * (LocalListSyncRepository.claimRepair): an answer recorded late (a
 * slow database, the charger meanwhile reconnected to another replica) would otherwise be read
 * against a list another repair and a sync had moved on since, and an update whose outcome is in
 * doubt (a sync's claim kept to its lapse) could still reach the charger after the answer.
 */
@Injectable()
export class LocalListRepair {
  constructor(
    private readonly repo: LocalListSyncRepository,
    private readonly commands: CommandService,
    private readonly executor: CommandExecutor,
    private readonly registry: SessionRegistry,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Repairs the station's list if an update to it is pending, once no other holder claims it.
   * `in-doubt` when the ask went over the bus and its outcome is unknown: its claim is kept to its
   * lapse (its answer may still be recorded), so a sync after it would only wait for that.
   */
  async repair(stationId: string, ctx: StationContext | undefined): Promise<'done' | 'in-doubt'> {
    // Named as a repair's: the replica holding the socket then records the answer under this claim (LocalListAsks).
    const owner = repairOwner();
    // Named in the request: the claim's lease is reckoned from it, whichever replica's default applies.
    const timeoutMs = this.config.OCPP_CALL_TIMEOUT_MS;
    const due = await this.claim(stationId, owner, timeoutMs);
    if (!due) return 'done';
    let keepClaim = false;
    try {
      keepClaim = await this.ask(stationId, ctx, due, owner, timeoutMs);
    } finally {
      if (!keepClaim) await this.repo.releaseRepair(stationId, owner, due.tookOver);
    }
    return keepClaim ? 'in-doubt' : 'done';
  }

  /** The list claimed for `owner` while an update is pending, waiting while another holds it; undefined once nothing is pending. */
  private async claim(stationId: string, owner: string, timeoutMs: number): Promise<RepairClaim | undefined> {
    for (let wait: number = CLAIM_POLL_MS[0]; ; wait = Math.min(wait * 2, CLAIM_POLL_MS[1])) {
      const claimed = await this.repo.claimRepair(stationId, owner, timeoutMs + CLAIM_MARGIN_MS);
      if (!claimed || !('busy' in claimed)) return claimed;
      await sleep(wait);
    }
  }

  /** Asks the charger its version; true when the ask's outcome is in doubt (see repair). */
  private async ask(stationId: string, ctx: StationContext | undefined, due: RepairClaim, owner: string, timeoutMs: number): Promise<boolean> {
    const log = { stationId, pendingVersion: due.pendingVersion, previousVersion: due.previousVersion, updateType: due.updateType, fullListDue: due.fullListDue };
    this.logger.info(log, due.pendingVersion === null ? 'asking a replaced unit its local list version: its list is sent to it whole above it' : 'asking the charger its local list version to settle an unanswered update');
    const request: OcppCommandRequest = { action: 'GetLocalListVersion', payload: {}, timeoutMs };
    // Run here when this replica holds the socket: its answer is then recorded when it returns.
    const local = ctx ?? this.registry.get(stationId);
    const reply: OcppCommandReply = await whileRenewing(
      () => this.repo.renew(stationId, owner, timeoutMs + CLAIM_MARGIN_MS),
      (err) => this.logger.warn({ err, stationId }, 'local list repair: its claim could not be renewed; it lapses a lease after the last renewal'),
      () => (local ? this.executor.execute(local, request) : this.commands.send(stationId, request)),
    );
    if (reply.status === 'ok') return false;
    if (reply.code === OcppCommandErrorCode.Offline) this.logger.info(log, 'local list repair waits for the station to connect');
    // The charger cannot answer it at all: the answer's effect dropped the pending update under this
    // repair's claim (LocalListAsks), or said why not (the claim passed on): then asked again at the next sweep.
    else if (reply.code === 'NotImplemented' || reply.code === 'NotSupported') return false;
    else this.logger.warn({ ...log, reply }, 'local list repair: GetLocalListVersion not answered; asked again at the next connection or sweep');
    return !local && inDoubt(reply);
  }
}
