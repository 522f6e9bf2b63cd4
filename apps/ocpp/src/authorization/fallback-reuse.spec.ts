import { jest } from '@jest/globals';
import type { BusRequester } from '@cpo/messaging';
import { TimeoutError } from '@cpo/platform';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import { RedisKeys } from '../redis-keys.js';
import { AuthorizationService } from './authorization.service.js';
import type { IdTagRepository } from './id-tag.repository.js';

const accepting = { NATS_SUBJECT_PREFIX: 't', OCPP_REMOTE_AUTHORIZE_TIMEOUT_MS: 100, OCPP_UNKNOWN_TOKEN_DEFAULT: 'Accepted' } as OcppConfig;
const refusing = { ...accepting, OCPP_UNKNOWN_TOKEN_DEFAULT: 'Invalid' } as OcppConfig;
const roamingAccepted = { status: 'Accepted', expiryDate: expect.any(String) };
const noReply = () => Promise.reject(new TimeoutError('no reply on ocpi.token.authorize within 100 ms'));

/** Redis on a Map, shared by the replicas built on it, with each SET's expiry (s) recorded. */
function sharedRedis() {
  const store = new Map<string, string>();
  const ttls = new Map<string, number>();
  const redis = {
    set: async (k: string, v: string, ...args: unknown[]) => {
      if (args.includes('NX') && store.has(k)) return null;
      store.set(k, v);
      const ex = args.indexOf('EX');
      if (ex >= 0) ttls.set(k, args[ex + 1] as number);
      return 'OK';
    },
    get: async (k: string) => store.get(k) ?? null,
    del: async (...keys: string[]) => keys.filter((k) => store.delete(k)).length,
    pttl: async (k: string) => (store.has(k) ? (ttls.get(k) ?? -1) * 1000 : -2),
  } as unknown as Redis;
  return { redis, store, ttls };
}

/** One replica: an unknown local tag (roaming is asked), a hub answering through `hub()`. */
function replica(redis: Redis, hub: () => Promise<unknown>, conf: OcppConfig = accepting) {
  const tags = { find: async () => undefined, inActiveTransaction: async () => false } as unknown as IdTagRepository;
  const request = jest.fn(hub);
  const logger = { warn: jest.fn(), info: jest.fn() } as unknown as Logger;
  return { auth: new AuthorizationService(tags, { request } as unknown as BusRequester, new RedisKeys(conf), redis, conf, logger), request };
}

describe('AuthorizationService: the default applied when the hub did not answer is reused for the StartTransaction that follows', () => {
  it('a StartTransaction after an Authorize the accepting default let through does not ask the hub (and wait its deadline) again', async () => {
    const { redis } = sharedRedis();
    const { auth, request } = replica(redis, noReply);
    await expect(auth.authorize('CP-1', 'EMSP-FB')).resolves.toEqual(roamingAccepted);
    expect(request).toHaveBeenCalledTimes(1);
    await expect(auth.authorize('CP-1', 'emsp-fb', { at: new Date(), connectorId: 1 })).resolves.toEqual(roamingAccepted);
    expect(request).toHaveBeenCalledTimes(1);
  });

  it('a repeated Authorize, and a StartTransaction arriving at another replica, reuse it too (kept in Redis)', async () => {
    const { redis } = sharedRedis();
    const a = replica(redis, noReply);
    const b = replica(redis, noReply);
    await a.auth.authorize('CP-1', 'EMSP-FB2');
    await expect(a.auth.authorize('CP-1', 'EMSP-FB2')).resolves.toEqual(roamingAccepted);
    await expect(b.auth.authorize('CP-1', 'EMSP-FB2', { at: new Date(), connectorId: 2 })).resolves.toEqual(roamingAccepted);
    expect(a.request).toHaveBeenCalledTimes(1);
    expect(b.request).not.toHaveBeenCalled();
  });

  it('only for that tag at that station, and only for a few minutes (the Authorize to StartTransaction window)', async () => {
    const { redis, ttls } = sharedRedis();
    const { auth, request } = replica(redis, noReply);
    await auth.authorize('CP-1', 'EMSP-FB3');
    await auth.authorize('CP-2', 'EMSP-FB3');
    await auth.authorize('CP-1', 'OTHER');
    expect(request).toHaveBeenCalledTimes(3);
    const kept = [...ttls.entries()].filter(([k]) => k.includes(':authok:'));
    expect(kept.length).toBe(3);
    for (const [, ttl] of kept) expect(ttl).toBeLessThanOrEqual(300);
  });

  it('a refusing default is not reused: the next Authorize asks the hub again (a recovered hub may allow the driver)', async () => {
    const { redis } = sharedRedis();
    let hub: () => Promise<unknown> = noReply;
    const { auth, request } = replica(redis, () => hub(), refusing);
    await expect(auth.authorize('CP-1', 'EMSP-FB4')).resolves.toEqual({ status: 'Invalid' });
    hub = async () => ({ allowed: 'ALLOWED' });
    await expect(auth.authorize('CP-1', 'EMSP-FB4')).resolves.toEqual(roamingAccepted);
    expect(request).toHaveBeenCalledTimes(2);
  });

  it("the hub's own allow (and its reference) and a START_SESSION's token are not replaced by a default", async () => {
    const { redis, store } = sharedRedis();
    let hub: () => Promise<unknown> = async () => ({ allowed: 'ALLOWED', authorizationReference: 'ref-1' });
    const { auth } = replica(redis, () => hub());
    await auth.authorize('CP-1', 'EMSP-FB5');
    hub = noReply;
    // The hub allowed it here lately: Accepted on that allow (asked again: the hub's latest word counts), marker and reference kept.
    await expect(auth.authorize('CP-1', 'EMSP-FB5')).resolves.toEqual(roamingAccepted);
    expect([...store.values()]).toEqual(expect.arrayContaining(['1', 'ref-1']));
    await expect(auth.authorizationReference('CP-1', 'EMSP-FB5')).resolves.toBe('ref-1');
    // A START_SESSION after a default: commanded wins (exempt from ConcurrentTx at its station).
    await auth.authorize('CP-1', 'EMSP-FB6');
    await auth.rememberCommanded('CP-1', 'EMSP-FB6', 'ref-cmd');
    await expect(auth.commandedHere('CP-1', 'EMSP-FB6')).resolves.toBe(true);
  });

  it('a default reused under a configuration since changed to refuse is not: the hub is asked again', async () => {
    const { redis } = sharedRedis();
    const before = replica(redis, noReply, accepting);
    await before.auth.authorize('CP-1', 'EMSP-FB7');
    const after = replica(redis, noReply, refusing);
    await expect(after.auth.authorize('CP-1', 'EMSP-FB7')).resolves.toEqual({ status: 'Invalid' });
    expect(after.request).toHaveBeenCalledTimes(1);
  });
});

describe("AuthorizationService: the hub's allow by an agreement's on-timeout policy is reused for the StartTransaction that follows", () => {
  const onTimeoutAllow = async () => ({ allowed: 'ALLOWED', authorizationReference: 'ref-rta', decidedOnTimeout: true });

  it('a StartTransaction after an Authorize the hub allowed on timeout does not ask the hub (and its slow eMSP) again; the reference stays', async () => {
    const { redis } = sharedRedis();
    const { auth, request } = replica(redis, onTimeoutAllow, refusing);
    await expect(auth.authorize('CP-1', 'EMSP-RTA')).resolves.toEqual(roamingAccepted);
    await expect(auth.authorize('CP-1', 'EMSP-RTA', { at: new Date(), connectorId: 1 })).resolves.toEqual(roamingAccepted);
    expect(request).toHaveBeenCalledTimes(1);
    await expect(auth.authorizationReference('CP-1', 'EMSP-RTA')).resolves.toBe('ref-rta');
  });

  it("an eMSP's own allow is asked again (its latest word counts), as is an on-timeout allow older than the window", async () => {
    const { redis, ttls } = sharedRedis();
    const own = replica(redis, async () => ({ allowed: 'ALLOWED' }), refusing);
    await own.auth.authorize('CP-1', 'EMSP-OWN');
    await own.auth.authorize('CP-1', 'EMSP-OWN');
    expect(own.request).toHaveBeenCalledTimes(2);
    const old = replica(redis, onTimeoutAllow, refusing);
    await old.auth.authorize('CP-1', 'EMSP-OLD');
    const key = [...ttls.keys()].find((k) => k.includes(':authok:') && k.toLowerCase().includes('emsp-old'))!;
    ttls.set(key, 15 * 60 - 181);
    await old.auth.authorize('CP-1', 'EMSP-OLD');
    expect(old.request).toHaveBeenCalledTimes(2);
  });
});

describe("AuthorizationService: a START_SESSION's marker stays when a hub answer asked before it comes back after it", () => {
  /** A hub whose answer is held until `answer` is called. */
  function heldHub() {
    let answer!: (reply: unknown) => void;
    const hub = () => new Promise<unknown>((r) => (answer = r));
    return { hub, answer: (reply: unknown) => answer(reply) };
  }

  it.each([
    ['an allow by the on-timeout policy', { allowed: 'ALLOWED', authorizationReference: 'ref-rta', decidedOnTimeout: true }],
    ["the eMSP's allow", { allowed: 'ALLOWED', authorizationReference: 'ref-rta' }],
    ['a refusal', { allowed: 'NOT_ALLOWED' }],
  ])('%s: the tag stays commanded there, with the command\'s reference', async (_, reply) => {
    const { redis } = sharedRedis();
    const { hub, answer } = heldHub();
    const { auth } = replica(redis, hub, refusing);
    // The driver's card is presented (the slow eMSP is asked), then the eMSP's START_SESSION for it arrives.
    const presented = auth.authorize('CP-1', 'EMSP-CMD');
    await new Promise((r) => setImmediate(r));
    await auth.rememberCommanded('CP-1', 'EMSP-CMD', 'ref-cmd');
    answer(reply);
    await presented;
    await expect(auth.commandedHere('CP-1', 'EMSP-CMD')).resolves.toBe(true);
    await expect(auth.authorizationReference('CP-1', 'EMSP-CMD')).resolves.toBe('ref-cmd');
  });
});
