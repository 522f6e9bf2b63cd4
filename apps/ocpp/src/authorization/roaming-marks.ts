import type { Redis } from 'ioredis';
import type { RedisKeys } from '../redis-keys.js';

/**
 * How long a roaming partner's decision to allow a tag at a station (and its authorisation
 * reference) is kept for the StartTransaction that follows.
 */
export const AUTH_REFERENCE_TTL_S = 15 * 60;
/** The allow marker of a tag the hub allowed. */
export const HUB_ALLOWED = '1';
/** The allow marker of a tag an eMSP's START_SESSION named. */
export const COMMANDED = 'command';
/**
 * The allow marker of a tag the hub allowed by an agreement's on-timeout policy (its eMSP did not
 * answer in time: `decidedOnTimeout`). An allow like HUB_ALLOWED, and reused for DEFAULTED_TTL_S
 * without asking the same slow eMSP again.
 */
export const HUB_ALLOWED_ON_TIMEOUT = 'hub-timeout';
/** The allow marker of a tag the accepting default let through when the hub did not decide (DEFAULTED_TTL_S). */
export const DEFAULTED = 'default';
/**
 * How long the accepting default applied to a tag at a station stands for it there without asking
 * the hub again: the window between an Authorize and its StartTransaction (the charger's
 * ConnectionTimeOut, typically 1 to 3 minutes). Asked again, a hub that did not decide in time
 * usually does not this time either, and the driver at the charger waited the whole
 * OCPP_REMOTE_AUTHORIZE_TIMEOUT_MS twice for the same answer. Short, so the hub's own decision is
 * asked again soon after.
 */
export const DEFAULTED_TTL_S = 180;

/**
 * How much later than a command's own bound (see forgetCommandedFrom) its START_SESSION marker may
 * look written: Redis counts the TTL and we count the elapsed time, each rounding to a millisecond.
 * A retried START_SESSION comes seconds later (after the eMSP heard of the first).
 */
const MARKED_TOLERANCE_MS = 50;

/**
 * Deletes the marker (KEYS[1]) and the reference (KEYS[2]) when the marker is a command's (ARGV[1])
 * written at least ARGV[3] ms ago (its age: the TTL ARGV[2] minus what is left), less ARGV[4]. In one
 * script: a retried START_SESSION's marker written between a read and a delete would be lost.
 */
const FORGET_COMMANDED_FROM = `
local stored = redis.call('GET', KEYS[1])
if stored ~= ARGV[1] then return 0 end
local left = redis.call('PTTL', KEYS[1])
if left < 0 or tonumber(ARGV[2]) - left + tonumber(ARGV[4]) < tonumber(ARGV[3]) then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1`;

/** The markers of an allow (kept AUTH_REFERENCE_TTL_S with the allow's reference). */
export type AllowMarker = typeof HUB_ALLOWED | typeof HUB_ALLOWED_ON_TIMEOUT | typeof COMMANDED;

/**
 * What was decided lately for a roaming tag at a station, in Redis (shared by the replicas, each
 * key expiring by itself): the allow marker (HUB_ALLOWED, COMMANDED or DEFAULTED) and the
 * authorisation reference of the allow. Every method may throw when Redis fails; the caller decides
 * what that means for the charger's answer.
 */
export class RoamingMarks {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** `null` when nothing was decided here lately. */
  async marker(stationId: string, idTag: string): Promise<string | null> {
    return this.redis.get(this.keys.roamingAllowed(stationId, idTag));
  }

  async reference(stationId: string, idTag: string): Promise<string | null> {
    return this.redis.get(this.referenceKey(stationId, idTag));
  }

  /** When the tag's START_SESSION at the station was remembered, if its marker is a command's. */
  async commandedAt(stationId: string, idTag: string): Promise<Date | undefined> {
    return this.markedAt(stationId, idTag, COMMANDED);
  }

  /** When the marker was written, if the tag's marker here is `marker` (its age is the TTL gone; allow's markers only). */
  async markedAt(stationId: string, idTag: string, marker: AllowMarker): Promise<Date | undefined> {
    const key = this.keys.roamingAllowed(stationId, idTag);
    const [stored, leftMs] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
    if (stored !== marker || leftMs < 0) return undefined;
    return new Date(Date.now() - (AUTH_REFERENCE_TTL_S * 1000 - leftMs));
  }

  /**
   * The allow marker and the reference of this allow. Without a reference (optional in OCPI, for
   * the hub's answer and a START_SESSION alike) the reference of an earlier allow of the tag here
   * is removed: kept, the session this allow starts would carry another authorisation's reference.
   */
  async allow(stationId: string, idTag: string, marker: AllowMarker, reference: string | undefined): Promise<void> {
    await Promise.all([
      this.redis.set(this.keys.roamingAllowed(stationId, idTag), marker, 'EX', AUTH_REFERENCE_TTL_S),
      reference ? this.redis.set(this.referenceKey(stationId, idTag), reference, 'EX', AUTH_REFERENCE_TTL_S) : this.redis.del(this.referenceKey(stationId, idTag)),
    ]);
  }

  /**
   * The accepting default, for DEFAULTED_TTL_S. Only where nothing is remembered (NX): an allow or
   * a START_SESSION's marker written meanwhile stays; either written later replaces it (allow), and
   * a refusal of the hub's removes it (forget).
   */
  async defaulted(stationId: string, idTag: string): Promise<void> {
    await this.redis.set(this.keys.roamingAllowed(stationId, idTag), DEFAULTED, 'EX', DEFAULTED_TTL_S, 'NX');
  }

  /** The marker and the reference, whoever wrote them. */
  async forget(stationId: string, idTag: string): Promise<void> {
    await this.redis.del(this.keys.roamingAllowed(stationId, idTag), this.referenceKey(stationId, idTag));
  }

  /**
   * A START_SESSION's marker and reference, only when the marker was written no later than
   * `boundAgoMs` ago: the refused command's own, or an older one. A retry of the START_SESSION
   * remembered after it (its remote start not recorded yet, so nothing looks open) keeps its marker.
   * Whether it was forgotten.
   */
  async forgetCommandedFrom(stationId: string, idTag: string, boundAgoMs: number): Promise<boolean> {
    const keys = [this.keys.roamingAllowed(stationId, idTag), this.referenceKey(stationId, idTag)];
    const forgotten = await this.redis.eval(FORGET_COMMANDED_FROM, 2, ...keys, COMMANDED, AUTH_REFERENCE_TTL_S * 1000, Math.max(0, Math.round(boundAgoMs)), MARKED_TOLERANCE_MS);
    return forgotten === 1;
  }

  private referenceKey(stationId: string, idTag: string): string {
    return this.keys.authorizationReference(stationId, idTag);
  }
}
