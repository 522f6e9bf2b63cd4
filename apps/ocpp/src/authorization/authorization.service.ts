import { Inject, Injectable } from '@nestjs/common';
import { OCPI_TOKEN_AUTHORIZE_SUBJECT, OcpiTokenAuthorizeReplyV1, parseRequestPayload, type OcpiAllowedType, type OcpiTokenAuthorizeReply, type OcpiTokenAuthorizeRequest } from '@cpo/contracts';
import { BusRequester } from '@cpo/messaging';
import { APP_CONFIG, REDIS, ROOT_LOGGER, TimeoutError, UnavailableError, ValidationError } from '@cpo/platform';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import type { OcppConfig } from '../config.js';
import { idTagRef } from '../log-redaction.js';
import { RedisKeys } from '../redis-keys.js';
import { IdTagRepository, type IdTagRecord } from './id-tag.repository.js';
import { AUTH_REFERENCE_TTL_S, COMMANDED, DEFAULTED, DEFAULTED_TTL_S, HUB_ALLOWED, HUB_ALLOWED_ON_TIMEOUT, RoamingMarks } from './roaming-marks.js';

export type IdTagInfo = Ocpp16.AuthorizeResponse['idTagInfo'];

const OCPI_TO_OCPP: Record<OcpiAllowedType, IdTagInfo['status']> = {
  ALLOWED: 'Accepted',
  BLOCKED: 'Blocked',
  EXPIRED: 'Expired',
  NO_CREDIT: 'Invalid',
  NOT_ALLOWED: 'Invalid',
  UNKNOWN: 'Invalid',
};

/**
 * A roaming Accepted expires when our own trust in the hub's decision does (AUTH_REFERENCE_TTL_S):
 * a charger keeps an Accepted idTagInfo in its authorization cache until its expiryDate, and for
 * ever without one (OCPP 1.6 §3.5), so a token its eMSP blocks later would still start sessions there.
 */
function withRoamingExpiry(info: IdTagInfo, now: Date): IdTagInfo {
  return info.status === 'Accepted' ? { ...info, expiryDate: new Date(now.getTime() + AUTH_REFERENCE_TTL_S * 1000).toISOString() } : info;
}

/**
 * Decides `idTagInfo`: local tokens first (status, expiry, parent, ConcurrentTx), then roaming
 * partners through ocpi-hub under a short timeout, then the configured default.
 */
@Injectable()
export class AuthorizationService {
  private readonly marks: RoamingMarks;

  constructor(
    private readonly tags: IdTagRepository,
    private readonly requester: BusRequester,
    keys: RedisKeys,
    @Inject(REDIS) redis: Redis,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.marks = new RoamingMarks(redis, keys);
  }

  /**
   * The tag's current authorisation. `ConcurrentTx` when the tag is in another transaction:
   * with `at` (a StartTransaction's timestamp, which may lie in the past when the start was queued
   * offline) only one running at that instant counts, so a later session of the same tag does not
   * make an earlier start concurrent; without it (Authorize) any running transaction counts.
   * `connectorId`: the connector of `stationId` a StartTransaction is on; an earlier transaction
   * there has ended by then (its stop may have been lost) and does not count.
   * `concurrentTx: false` (a StopTransaction's tag): no ConcurrentTx at all. OCPP 1.6 §7.2 makes it
   * relevant only to starting a transaction; a stop starts nothing, and its idTagInfo goes into the
   * charger's Authorization Cache, where ConcurrentTx would refuse the card there while offline.
   * Nor for the token of an eMSP's START_SESSION at its station (see isCommanded).
   */
  async authorize(stationId: string, idTag: string, options: { now?: Date; at?: Date; connectorId?: number; concurrentTx?: boolean } = {}): Promise<IdTagInfo> {
    // An empty idTag (a free-vend charger's; the schema allows it) is nobody's token: no eMSP issues
    // one (OCPI requires a uid), so nothing to ask the hub or warn about per session, and never
    // ConcurrentTx (every free-vend session would be one of every other).
    if (idTag === '') return { status: this.config.OCPP_UNKNOWN_TOKEN_DEFAULT };
    const now = options.now ?? new Date();
    const local = await this.tags.find(idTag);
    if (local) return this.withConcurrentTx(stationId, idTag, this.fromLocal(local, now), options);
    // Unreadable, the tag is asked of the hub as if nothing were remembered (see isCommanded).
    const marker = await this.marks.marker(stationId, idTag).catch(() => null);
    if (marker === COMMANDED) return withRoamingExpiry({ status: 'Accepted' }, now);
    const decided = marker === DEFAULTED && this.acceptsByDefault() ? this.defaultedLately(stationId, idTag) : ((await this.allowedOnTimeoutLately(stationId, idTag, marker)) ?? (await this.askRoaming(stationId, idTag)));
    return this.withConcurrentTx(stationId, idTag, withRoamingExpiry(decided, now), options);
  }

  /**
   * The hub allowed the tag here by its agreement's on-timeout policy in the last DEFAULTED_TTL_S
   * (HUB_ALLOWED_ON_TIMEOUT): taken again without asking, for the reason DEFAULTED is (its eMSP did
   * not answer in time; asked again, the driver waits the whole deadline for the same answer).
   * Older, or unreadable, undefined: the hub is asked.
   */
  private async allowedOnTimeoutLately(stationId: string, idTag: string, marker: string | null): Promise<IdTagInfo | undefined> {
    if (marker !== HUB_ALLOWED_ON_TIMEOUT) return undefined;
    const at = await this.marks.markedAt(stationId, idTag, HUB_ALLOWED_ON_TIMEOUT).catch(() => undefined);
    if (at === undefined || Date.now() - at.getTime() > DEFAULTED_TTL_S * 1000) return undefined;
    this.logger.info({ stationId, idTagRef: idTagRef(idTag), answer: 'Accepted' }, "no roaming decision asked: the hub allowed this tag here by its agreement's on-timeout policy in the last minutes");
    return { status: 'Accepted' };
  }

  private acceptsByDefault(): boolean {
    return this.config.OCPP_UNKNOWN_TOKEN_DEFAULT === 'Accepted';
  }

  /**
   * The accepting default applied to the tag here moments ago (rememberDefaulted), taken again
   * without asking the hub (DEFAULTED_TTL_S): the StartTransaction after its Authorize, or the card
   * presented again. Still ConcurrentTx-checked by the caller. Logged, as the default itself was.
   */
  private defaultedLately(stationId: string, idTag: string): IdTagInfo {
    this.logger.warn({ stationId, idTagRef: idTagRef(idTag), answer: 'Accepted' }, 'no roaming decision asked: the default accepted this tag here in the last minutes');
    return { status: 'Accepted' };
  }

  private async withConcurrentTx(stationId: string, idTag: string, info: IdTagInfo, options: { at?: Date; connectorId?: number; concurrentTx?: boolean }): Promise<IdTagInfo> {
    if (options.concurrentTx === false) return info;
    const startingOn = options.connectorId === undefined ? undefined : { stationId, connectorId: options.connectorId };
    if (info.status === 'Accepted' && (await this.tags.inActiveTransaction(idTag, undefined, options.at, startingOn))) {
      return { ...info, status: 'ConcurrentTx' };
    }
    return info;
  }

  /**
   * `ConcurrentTx` checked again inside the StartTransaction's database transaction `tx`, under a
   * lock on the tag held until it commits. `authorize` decides outside it (a roaming answer may take
   * seconds), so two chargers starting with one card at once would each see the other's session not
   * yet stored and both be Accepted; the later of the two now sees the earlier one's row. Not for
   * a START_SESSION's token at its station (`commanded`: commandedHere, asked by the caller before
   * `tx` began), which `authorize` exempts too. No Redis here: a slow or unreachable Redis would
   * hold every start's database transaction, and its pooled connection, open meanwhile.
   */
  async confirmStart(tx: EntityManager, stationId: string, idTag: string, info: IdTagInfo, options: { at: Date; connectorId: number; commanded?: boolean }): Promise<IdTagInfo> {
    if (info.status !== 'Accepted') return info;
    if (options.commanded) return info;
    await this.tags.lockStarts(tx, idTag);
    const concurrent = await this.tags.inActiveTransaction(idTag, undefined, options.at, { stationId, connectorId: options.connectorId }, tx);
    return concurrent ? { ...info, status: 'ConcurrentTx' } : info;
  }

  /**
   * Whether the tag is a START_SESSION's token at this station, exempt from ConcurrentTx there
   * (isCommanded; a local token is not). Redis first: the usual, uncommanded start adds no query.
   */
  async commandedHere(stationId: string, idTag: string): Promise<boolean> {
    return (await this.isCommanded(stationId, idTag)) && !(await this.tags.find(idTag));
  }

  /**
   * The roaming authorisation reference remembered for a tag at a station, if any. Optional
   * detail of a StartTransaction, which must be answered whatever happens (guide §1.5): when Redis
   * cannot be read this logs a warning and answers undefined rather than failing the start.
   * `start`: the StartTransaction's time of record. A START_SESSION's reference names the session
   * the command started, so a start stamped before the command (beyond `clockSkewS`, the allowance
   * the remote start's own link gives), one the charger queued offline and delivers after it, does
   * not carry it: the hub credits the session carrying it to the eMSP's command (its Session and
   * CDR), and the command's own session, which follows, carries it too. The command's time is its
   * marker's age (the TTL left of the 15 minutes), read only when there is a reference.
   */
  async authorizationReference(stationId: string, idTag: string, start?: { at: Date; clockSkewS: number }): Promise<string | undefined> {
    try {
      const reference = await this.marks.reference(stationId, idTag);
      if (reference === null || start === undefined) return reference ?? undefined;
      const commandedAt = await this.marks.commandedAt(stationId, idTag);
      return commandedAt !== undefined && start.at.getTime() < commandedAt.getTime() - start.clockSkewS * 1000 ? undefined : reference;
    } catch (err) {
      this.logger.warn({ stationId, idTagRef: idTagRef(idTag), err: (err as Error).message }, 'roaming authorisation reference unreadable; the transaction is stored without it');
      return undefined;
    }
  }

  fromLocal(tag: IdTagRecord, now: Date): IdTagInfo {
    const expired = tag.expiryDate !== null && tag.expiryDate <= now;
    return {
      status: tag.status === 'Accepted' && expired ? 'Expired' : tag.status,
      expiryDate: tag.expiryDate?.toISOString(),
      parentIdTag: tag.parentIdTag ?? undefined,
    };
  }

  /**
   * Asks ocpi-hub. No answer in time, nobody to ask, an answer that breaks the contract, or the
   * hub's UNKNOWN all get the configured default: none is a decision, and the charger must be answered.
   */
  private async askRoaming(stationId: string, idTag: string): Promise<IdTagInfo> {
    const request: OcpiTokenAuthorizeRequest = { uid: idTag, tokenType: 'RFID', stationId };
    let reply: OcpiTokenAuthorizeReply;
    try {
      reply = await this.requester.request(OCPI_TOKEN_AUTHORIZE_SUBJECT, request, {
        timeoutMs: this.config.OCPP_REMOTE_AUTHORIZE_TIMEOUT_MS,
        parseReply: (p) => parseRequestPayload(OcpiTokenAuthorizeReplyV1, p),
      });
    } catch (err) {
      if (!(err instanceof TimeoutError || err instanceof UnavailableError || err instanceof ValidationError)) throw err;
      return this.noDecision(stationId, idTag, err.message);
    }
    // UNKNOWN is the hub saying nobody decided (no eMSP answered in time, none reachable, the hub
    // failed): no decision, like no reply, and no refusal that would retract an earlier allow.
    if (reply.allowed === 'UNKNOWN') return this.noDecision(stationId, idTag, 'the hub reports no decision (UNKNOWN)');
    if (reply.allowed === 'ALLOWED') await this.rememberAllowed(stationId, idTag, reply.authorizationReference, reply.decidedOnTimeout === true);
    else await this.forgetAllowed(stationId, idTag);
    return { status: OCPI_TO_OCPP[reply.allowed] };
  }

  private async noDecision(stationId: string, idTag: string, reason: string): Promise<IdTagInfo> {
    // The StartTransaction after an Authorize the hub allowed is asked again; a hub that is slow
    // this time must not turn that session into the default (Invalid stops it on most chargers).
    if (await this.allowedLately(stationId, idTag)) {
      this.logger.warn({ stationId, idTagRef: idTagRef(idTag), reason, answer: 'Accepted' }, 'no roaming decision; the hub allowed this tag here in the last minutes');
      return { status: 'Accepted' };
    }
    this.logger.warn({ stationId, idTagRef: idTagRef(idTag), reason, answer: this.config.OCPP_UNKNOWN_TOKEN_DEFAULT }, 'no roaming decision for an unknown token; using the default');
    if (this.acceptsByDefault()) await this.rememberDefaulted(stationId, idTag);
    return { status: this.config.OCPP_UNKNOWN_TOKEN_DEFAULT };
  }

  /**
   * Keeps an accepting default for the tag here (RoamingMarks.defaulted), so its StartTransaction
   * does not wait for the hub again. A refusing default is not kept: the card presented again asks
   * the hub, which may since have recovered. Not kept (Redis down), the next message asks the hub
   * as before (logged).
   */
  private async rememberDefaulted(stationId: string, idTag: string): Promise<void> {
    try {
      await this.marks.defaulted(stationId, idTag);
    } catch (err) {
      this.logger.warn({ stationId, idTagRef: idTagRef(idTag), err: (err as Error).message }, 'default for an undecided roaming tag not remembered; its StartTransaction asks the hub again');
    }
  }

  /**
   * The hub's latest word counts: a tag it allowed and has refused since (blocked, out of credit)
   * must not be Accepted by the earlier allow when the hub is slow at the next StartTransaction.
   */
  private async forgetAllowed(stationId: string, idTag: string): Promise<void> {
    try {
      if (await this.isCommanded(stationId, idTag)) return; // see rememberAllowed
      await this.marks.forget(stationId, idTag);
    } catch (err) {
      this.logger.warn({ stationId, idTagRef: idTagRef(idTag), err: (err as Error).message }, 'earlier roaming allow not forgotten');
    }
  }

  /**
   * The decision stands without being remembered: a session then just lacks its reference (logged).
   * A START_SESSION of the tag here remembered while the hub was asked (a card presented, then the
   * app used) keeps its marker and reference: its session carries the command's reference and is
   * exempt from ConcurrentTx, and (OCPI) its token is not authorised again, so neither this nor a
   * refusal (forgetAllowed) replaces them. Read, then written: one in between is still replaced.
   */
  private async rememberAllowed(stationId: string, idTag: string, reference: string | undefined, onTimeout: boolean): Promise<void> {
    try {
      if (await this.isCommanded(stationId, idTag)) return;
      await this.marks.allow(stationId, idTag, onTimeout ? HUB_ALLOWED_ON_TIMEOUT : HUB_ALLOWED, reference);
    } catch (err) {
      this.logger.warn({ stationId, idTagRef: idTagRef(idTag), err: (err as Error).message }, 'roaming authorisation not remembered');
    }
  }

  /**
   * An eMSP's START_SESSION for the tag at the station (OCPI: the CPO must not authorise a
   * command's token again, nor the same token at that EVSE in real time for 15 minutes): its
   * sessions there are Accepted without asking the hub, which may not know an app or ad-hoc token
   * (a refusal would stop the session the eMSP started), and carry the command's reference.
   */
  async rememberCommanded(stationId: string, idTag: string, reference: string | undefined): Promise<void> {
    try {
      await this.marks.allow(stationId, idTag, COMMANDED, reference);
    } catch (err) {
      this.logger.warn({ stationId, idTagRef: idTagRef(idTag), err: (err as Error).message }, "remote start's token not remembered; its session is authorised by the hub");
    }
  }

  /**
   * A START_SESSION the charger did not carry out (refused, or never reached it): its token is no
   * longer commanded at the station, so it is neither Accepted there without the hub nor exempt
   * from ConcurrentTx for the rest of the 15 minutes. Only our own marker goes (a hub allow stays);
   * the caller keeps it while another command of the token there is still open. `markedBy` is a
   * `performance.now()` taken after that command's marker was written: a marker written later is a
   * retried START_SESSION's, whose remote start may not be recorded yet, and stays.
   */
  async forgetCommanded(stationId: string, idTag: string, markedBy: number): Promise<void> {
    try {
      await this.marks.forgetCommandedFrom(stationId, idTag, performance.now() - markedBy);
    } catch (err) {
      this.logger.warn({ stationId, idTagRef: idTagRef(idTag), err: (err as Error).message }, "refused remote start's token not forgotten; it stays commanded until its marker expires");
    }
  }

  /**
   * The tag is unknown locally and an eMSP's START_SESSION named it at this station in the last 15
   * minutes: OCPI has the eMSP authorise the command's token and forbids the CPO to authorise it
   * again, so its sessions here are Accepted without asking the hub, and never ConcurrentTx either.
   * That refusal is ours alone: it stopped (StopTransactionOnInvalidId) a session the eMSP started
   * for a token already charging, e.g. an app user's second car or a fleet account's shared token.
   * Unreadable, the tag is asked of the hub as if not commanded.
   */
  private async isCommanded(stationId: string, idTag: string): Promise<boolean> {
    return (await this.marks.marker(stationId, idTag).catch(() => null)) === COMMANDED;
  }

  /** The hub (or a START_SESSION) allowed the tag here lately; our own default (DEFAULTED) is no allow. */
  private async allowedLately(stationId: string, idTag: string): Promise<boolean> {
    try {
      const marker = await this.marks.marker(stationId, idTag);
      return marker !== null && marker !== DEFAULTED;
    } catch (err) {
      this.logger.warn({ stationId, idTagRef: idTagRef(idTag), err: (err as Error).message }, 'earlier roaming decision unreadable');
      return false;
    }
  }
}
