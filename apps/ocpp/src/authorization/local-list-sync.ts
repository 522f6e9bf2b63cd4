import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { OcppCommandErrorCode, type OcppCommandReply, type OcppCommandRequest } from '@cpo/contracts';
import { APP_CONFIG, KeyedTurns, ROOT_LOGGER } from '@cpo/platform';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import { CommandExecutor } from '../commands/command-executor.js';
import type { OcppConfig } from '../config.js';
import { idTagRef } from '../log-redaction.js';
import { CommandService } from '../commands/command.service.js';
import { SessionRegistry } from '../connection/session-registry.js';
import type { StationContext } from '../connection/station-context.js';
import { StationLifecycle } from '../connection/station-lifecycle.js';
import { deferred } from '../persistence/deferred-work.js';
import { AuthorizationService, type IdTagInfo } from './authorization.service.js';
import type { IdTagRecord } from './id-tag.repository.js';
import { CLAIM_MARGIN_MS, CLAIM_POLL_MS, inDoubt, operatorAsk, whileRenewing } from './local-list-claim.js';
import { LocalListRepair } from './local-list-repair.js';
import { LocalListSyncRepository, type ClaimedRound, type KeptEntry, type PendingEntry } from './local-list-sync.repository.js';

/** Entries per Differential update (fewer where the station reported a smaller SendLocalListMaxLength); more go in further updates. */
export const SYNC_BATCH = 50;
/** Stations a token change updates at once (each a bus request and a CALL at its own charger). */
const SYNC_PARALLEL = 50;
/** Updates one sync sends a station at most. */
const MAX_ROUNDS = 20;
/**
 * How often a replica retries the marked entries of the stations it holds: a sync that failed on
 * the way (the station's call queue full, a bus timeout, a CallError) would otherwise wait for the
 * station's next connection, and a charger may stay connected for weeks with a blocked card in its list.
 */
export const SYNC_SWEEP_MS = 5 * 60_000;
/** Two IdTagInfos say the same (an expiry compared as an instant: the operator may have written it otherwise). */
export function sameInfo(a: Record<string, unknown>, b: IdTagInfo): boolean {
  const expiry = (v: unknown) => (typeof v === 'string' ? Date.parse(v) : null);
  return a['status'] === b.status && expiry(a['expiryDate']) === expiry(b.expiryDate) && (a['parentIdTag'] ?? null) === (b.parentIdTag ?? null);
}

/**
 * What a list's marked entries need: the token's IdTagInfo now (what Authorize answers, `info`),
 * or, for a deleted token, the entry without idTagInfo (a Differential removal). Entries already
 * holding that are only settled.
 */
export function syncUpdate(entries: PendingEntry[], info: (tag: IdTagRecord) => IdTagInfo): { send: Ocpp16.SendLocalListRequest['localAuthorizationList']; unchanged: PendingEntry[] } {
  const send: NonNullable<Ocpp16.SendLocalListRequest['localAuthorizationList']> = [];
  const unchanged: PendingEntry[] = [];
  for (const entry of entries) {
    if (!entry.token) send.push({ idTag: entry.idTag });
    else {
      const wanted = info(entry.token);
      if (sameInfo(entry.held, wanted)) unchanged.push(entry);
      else send.push({ idTag: entry.idTag, idTagInfo: wanted });
    }
  }
  return { send, unchanged };
}

/**
 * The whole list for a round claimed with its other entries (`kept`: the list is at the top of the
 * listVersion range, see LocalListSyncRepository.claim): those as the charger holds them, the marked
 * ones as syncUpdate decides (a deleted token is left out: a Full update removes it so).
 */
export function fullUpdate(round: ClaimedRound & { kept: KeptEntry[] }, unchanged: PendingEntry[], send: NonNullable<Ocpp16.SendLocalListRequest['localAuthorizationList']>): Ocpp16.SendLocalListRequest {
  const held = (e: { idTag: string; held: Record<string, unknown> }) => ({ idTag: e.idTag, idTagInfo: e.held as unknown as IdTagInfo });
  return {
    listVersion: round.listVersion,
    updateType: 'Full',
    localAuthorizationList: [...round.kept.map(held), ...unchanged.map(held), ...send.filter((e) => e.idTagInfo !== undefined)],
  };
}

/** The SendLocalListMaxLength a refusal names (CommandExecutor.stationRefusal, before the update travels), if it is one. */
export function perMessageLimit(reply: OcppCommandReply): number | undefined {
  if (reply.status !== 'error' || reply.code !== OcppCommandErrorCode.InvalidRequest) return undefined;
  const errors = (reply.details as { errors?: { params?: { key?: unknown; limit?: unknown } }[] } | undefined)?.errors ?? [];
  const limit = errors.find((e) => e.params?.key === 'SendLocalListMaxLength')?.params?.limit;
  return typeof limit === 'number' && Number.isInteger(limit) && limit >= 1 ? limit : undefined;
}

/**
 * Keeps the chargers' local lists in line with the tokens (OCPP 1.6 §5.15: a tag in the list is
 * accepted from it, offline and by chargers that start from their list). A token changed or
 * deleted through the API has its entries marked in the change's transaction (IdTagRepository);
 * after it commits, each station whose list is certain and holds the token gets a Differential
 * update at its version + 1, through CommandService (the replica holding the socket runs it, its
 * effects record the version and entries). A station offline, or whose update failed, keeps the
 * marks and is updated when it next connects or boots. A list that is not certain gets nothing (a
 * Differential on unknown entries is a guess): the operator sends a Full list, unless an update left
 * unanswered made it so, or another unit booted under the station's identity (forgetListOfReplacedUnit:
 * once the unit has reported its version, the entries go to it whole, as a Full update above it):
 * before any update, the charger is then asked its version (LocalListRepair,
 * whose recorded answer settles that update: LocalListRepository.reported), at its next connection
 * or boot and at the sweep, and a list certain again gets its marked entries.
 * Updates of one station are chained on this replica, and serialised across replicas by a claim
 * on the list (LocalListSyncRepository.claim, which repairs take too): each round's version and
 * entries are decided, sent and answered before another sync or repair decides, so no version goes
 * out with two contents.
 */
@Injectable()
export class LocalListSync implements OnModuleInit, OnModuleDestroy {
  private readonly turns = new KeyedTurns();
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    private readonly repo: LocalListSyncRepository,
    private readonly repairs: LocalListRepair,
    private readonly auth: AuthorizationService,
    private readonly commands: CommandService,
    private readonly executor: CommandExecutor,
    private readonly lifecycle: StationLifecycle,
    private readonly registry: SessionRegistry,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    // After onboarding and profiles (orders 0, 10): a list update is not what a charger needs first.
    this.lifecycle.onAccepted((ctx) => this.station(ctx.stationId, ctx), 20);
    this.lifecycle.onConnected((ctx) => this.station(ctx.stationId, ctx), 20);
    this.sweepTimer = setInterval(() => void this.sweep(), SYNC_SWEEP_MS);
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }

  /** A token's change committed: update the lists holding it. Never rejects (the REST answer does not wait for it); failures are logged. */
  async tokenChanged(idTag: string): Promise<void> {
    try {
      await this.stations(await deferred(() => this.repo.stationsToSync(idTag)));
    } catch (err) {
      this.logger.error({ err, idTagRef: idTagRef(idTag) }, 'local lists holding a changed token could not be updated; they are updated when their stations next connect');
    }
  }

  /** Retries the stations this replica holds whose lists have an unanswered update to settle or, certain, marked entries (see SYNC_SWEEP_MS). Never rejects. */
  async sweep(): Promise<void> {
    try {
      await this.stations(await deferred(() => this.repo.withPending(this.registry.localStationIds())));
    } catch (err) {
      this.logger.error({ err }, 'local list sweep failed; retried at the next one');
    }
  }

  /** As deferred work (`deferred-work.ts`): no charger waits on it. A run per station, so each counts against the pool's share. */
  private async stations(ids: string[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const stationId = ids[next++]!;
        await deferred(() => this.station(stationId));
      }
    };
    await Promise.all(Array.from({ length: Math.min(SYNC_PARALLEL, ids.length) }, worker));
  }

  /** Settles an unanswered update, then sends the station's marked entries (chained after any update of it in progress here). Never rejects. */
  station(stationId: string, ctx?: StationContext): Promise<void> {
    return this.turns.run(stationId, () =>
      this.repairs
        .repair(stationId, ctx)
        // A repair whose ask is in doubt keeps its claim to its lapse: a sync would only wait for it.
        .then((repaired) => (repaired === 'done' ? this.sync(stationId, ctx) : undefined))
        .catch((err: unknown) => this.logger.error({ err, stationId }, 'local list sync failed; retried when the station next connects')),
    );
  }

  private async sync(stationId: string, ctx: StationContext | undefined): Promise<void> {
    const owner = randomUUID();
    let keepClaim = false;
    try {
      keepClaim = (await this.rounds(stationId, ctx, owner)) === 'in-doubt';
    } finally {
      // An update whose fate we do not know may still reach the charger (the replica holding the
      // socket runs it after our bus request gave up): released, the next sync would hand out its
      // version again, with other contents. Left to lapse, the next sync sends above it.
      if (!keepClaim) await this.repo.release(stationId, owner);
    }
  }

  /**
   * The next round claimed for `owner`, once no other sync or repair holds the list. Waiting ends
   * early when the list is claimed again by another holder than the one first seen: that claim was
   * taken after this sync's marks committed, so its holder (or, for a repair, the sync its station
   * run does next) reads them and sends what they need; an operator's ask sends nothing, so not it.
   */
  private async claim(stationId: string, owner: string, batch: number, timeoutMs: number): Promise<ClaimedRound | undefined> {
    let first: string | undefined;
    for (let wait: number = CLAIM_POLL_MS[0]; ; wait = Math.min(wait * 2, CLAIM_POLL_MS[1])) {
      const claimed = await this.repo.claim(stationId, owner, batch, timeoutMs + CLAIM_MARGIN_MS);
      if (!claimed || !('busy' in claimed)) return claimed;
      // An operator's GetLocalListVersion holds the list only while it asks: it sends nothing, so it is waited for.
      if (operatorAsk(claimed.busy)) {
        await sleep(wait);
        continue;
      }
      if (first !== undefined && claimed.busy !== first) {
        this.logger.debug({ stationId }, 'local list claimed again by another sync, which sends the marked entries');
        return undefined;
      }
      first ??= claimed.busy;
      await sleep(wait);
    }
  }

  /** `in-doubt` when the last update's outcome is unknown (see inDoubt): its claim must stay. */
  private async rounds(stationId: string, ctx: StationContext | undefined, owner: string): Promise<'done' | 'in-doubt'> {
    // Batch after batch until none is left; a refused or failed update stops (the marks stay). Bounded:
    // a token changed again and again while its update is in flight must not keep this loop going.
    let batch = SYNC_BATCH;
    // Named in the request: the claim's lease is reckoned from it, whichever replica's default applies.
    const timeoutMs = this.config.OCPP_CALL_TIMEOUT_MS;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const pending = await this.claim(stationId, owner, batch, timeoutMs);
      if (!pending) return 'done';
      const now = new Date();
      const { send, unchanged } = syncUpdate(pending.entries, (tag) => this.auth.fromLocal(tag, now));
      await this.repo.settled(stationId, unchanged);
      // A replaced unit's list goes whole even when every entry is as held: the unit holds none of them.
      if (!send?.length && !pending.resend) continue;
      const { kept } = pending;
      const payload = kept ? fullUpdate({ ...pending, kept }, unchanged, send ?? []) : { listVersion: pending.listVersion, updateType: 'Differential', localAuthorizationList: send };
      const request: OcppCommandRequest = { action: 'SendLocalList', payload: payload as unknown as OcppCommandRequest['payload'], timeoutMs };
      // Run here when this replica holds the socket: its outcome is then final (recorded) when it returns.
      const local = ctx ?? this.registry.get(stationId);
      const reply: OcppCommandReply = await whileRenewing(
        () => this.repo.renew(stationId, owner, timeoutMs + CLAIM_MARGIN_MS),
        (err) => this.logger.warn({ err, stationId }, 'local list sync: its claim could not be renewed; it lapses a lease after the last renewal'),
        () => (local ? this.executor.execute(local, request) : this.commands.send(stationId, request)),
      );
      if (reply.status === 'ok' && reply.payload['status'] === 'Accepted') {
        await this.repo.settled(stationId, pending.entries.filter((e) => !unchanged.includes(e)));
        continue;
      }
      if (reply.status === 'ok' && reply.payload['status'] === 'VersionMismatch' && pending.resend) {
        // Refused, it is no longer due (LocalListRepository.refused): sent again it would meet the same answer.
        this.logger.warn({ stationId, listVersion: pending.listVersion }, 'local list of a replaced unit: the charger refused the Full list (VersionMismatch); send it a Full list at a version it takes');
        return 'done';
      }
      if (reply.status === 'ok' && reply.payload['status'] === 'VersionMismatch' && kept) {
        // The Full list at version 1 after the top of the range: OCPP 1.6 orders Differential updates
        // only, but some chargers check every version. Sending it again would meet the same answer.
        this.logger.warn({ stationId }, 'local list at the top of the version range: the charger refused a Full list at version 1 (VersionMismatch); send it a Full list at a version it takes');
        return 'done';
      }
      if (reply.status === 'ok' && reply.payload['status'] === 'VersionMismatch') {
        // Read again: the operator's own update (not claimed: it names its version), in flight when
        // this round read the version, moved it first, and the next round sends at the new one.
        // Where the stored version was stale instead, the refusal left the list uncertain
        // (LocalListRepository.refused): the next round finds nothing, and no later connection retries it.
        this.logger.info({ stationId, listVersion: pending.listVersion }, 'local list update refused (VersionMismatch); reading the version again');
        continue;
      }
      const perMessage = perMessageLimit(reply);
      // A Full update is one message: a list longer than the station takes per message cannot go so.
      if (perMessage !== undefined && perMessage < batch && !kept) {
        // The station takes fewer entries per SendLocalList than a batch (its reported SendLocalListMaxLength).
        batch = perMessage;
        continue;
      }
      if (reply.status === 'error' && reply.code === OcppCommandErrorCode.Offline) this.logger.info({ stationId }, 'local list update waits for the station to connect');
      else this.logger.warn({ stationId, reply }, 'local list update not applied; retried when the station next connects (after Failed or VersionMismatch, send a Full list)');
      return !local && inDoubt(reply) ? 'in-doubt' : 'done';
    }
    this.logger.warn({ stationId }, 'local list entries still marked after the last update round; retried when the station next connects');
    return 'done';
  }
}
