import { jest } from '@jest/globals';
import type { BusRequester } from '@cpo/messaging';
import { TimeoutError, ValidationError } from '@cpo/platform';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import { idTagRef } from '../log-redaction.js';
import { RedisKeys } from '../redis-keys.js';
import { AuthorizationService } from './authorization.service.js';
import type { IdTagRepository } from './id-tag.repository.js';

const config = { NATS_SUBJECT_PREFIX: 't', OCPP_REMOTE_AUTHORIZE_TIMEOUT_MS: 100, OCPP_UNKNOWN_TOKEN_DEFAULT: 'Invalid' } as OcppConfig;
/** A roaming Accepted: it carries the expiry of our trust in the hub's decision. */
const roamingAccepted = { status: 'Accepted', expiryDate: expect.any(String) };
const redisDown = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));

/** The few Redis commands the service uses, on a Map. */
function memoryRedis(): Partial<Redis> {
  const store = new Map<string, string>();
  return {
    set: async (k: string, v: string, ...args: unknown[]) => (args.includes('NX') && store.has(k) ? null : (store.set(k, v), 'OK')),
    get: async (k: string) => store.get(k) ?? null,
    del: async (...keys: string[]) => keys.filter((k) => store.delete(k)).length,
  } as unknown as Partial<Redis>;
}

/** The service with an unknown local tag (so roaming is asked), a hub answering `reply`, and the given Redis (and configuration). */
function service(reply: () => Promise<unknown>, redis: Partial<Redis>, conf: OcppConfig = config) {
  const tags = { find: async () => undefined, inActiveTransaction: async () => false } as unknown as IdTagRepository;
  const requester = { request: reply } as unknown as BusRequester;
  const warn = jest.fn();
  const logger = { warn } as unknown as Logger;
  return { auth: new AuthorizationService(tags, requester, new RedisKeys(conf), redis as Redis, conf, logger), warn };
}

describe('AuthorizationService: a start is decided whatever its optional helpers do', () => {
  it('answers no roaming reference (and logs) when Redis cannot be read', async () => {
    const { auth, warn } = service(async () => ({ allowed: 'ALLOWED' }), { get: redisDown });
    await expect(auth.authorizationReference('CP-1', 'TAG')).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ stationId: 'CP-1', idTagRef: idTagRef('TAG'), err: expect.stringContaining('ECONNREFUSED') }), expect.any(String));
  });

  it('logs an unknown token the hub could not decide (every Authorize of it while the hub is down) by its ref, never the tag in clear', async () => {
    const { auth, warn } = service(() => Promise.reject(new TimeoutError('no reply on ocpi.token.authorize within 100 ms')), memoryRedis());
    await auth.authorize('CP-1', '04A1B2C3D4E5F6');
    expect(warn).toHaveBeenCalledTimes(1);
    const [fields] = warn.mock.calls[0] as [Record<string, unknown>, string];
    expect(fields).toEqual(expect.objectContaining({ stationId: 'CP-1', idTagRef: idTagRef('04a1b2c3d4e5f6'), answer: 'Invalid' }));
    expect(JSON.stringify(warn.mock.calls).toLowerCase()).not.toContain('04a1b2c3d4e5f6');
  });

  it("keeps the hub's decision when its reference cannot be stored", async () => {
    const { auth, warn } = service(async () => ({ allowed: 'ALLOWED', authorizationReference: 'ref-1' }), { set: redisDown });
    await expect(auth.authorize('CP-1', 'EMSP-1')).resolves.toEqual(roamingAccepted);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('treats a hub reply that breaks the contract like no answer: the configured default', async () => {
    const { auth, warn } = service(() => Promise.reject(new ValidationError('invalid reply on ocpi.token.authorize: allowed: Invalid option')), {});
    await expect(auth.authorize('CP-1', 'EMSP-2')).resolves.toEqual({ status: 'Invalid' });
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ answer: 'Invalid' }), expect.any(String));
  });

  it("a hub that does not answer the StartTransaction after it allowed the Authorize: the tag stays Accepted (any case), not the default", async () => {
    const redis = memoryRedis();
    let hub: () => Promise<unknown> = async () => ({ allowed: 'ALLOWED' });
    const { auth } = service(() => hub(), redis);
    await expect(auth.authorize('CP-1', 'emsp-tag')).resolves.toEqual(roamingAccepted);
    hub = () => Promise.reject(new TimeoutError('no reply on ocpi.token.authorize within 100 ms'));
    await expect(auth.authorize('CP-1', 'EMSP-TAG')).resolves.toEqual(roamingAccepted);
    // Only where and for whom the hub allowed it.
    await expect(auth.authorize('CP-2', 'EMSP-TAG')).resolves.toEqual({ status: 'Invalid' });
    await expect(auth.authorize('CP-1', 'OTHER')).resolves.toEqual({ status: 'Invalid' });
  });

  it('a tag the hub refused after allowing it is not Accepted by the earlier allow when the hub is then slow', async () => {
    const redis = memoryRedis();
    let hub: () => Promise<unknown> = async () => ({ allowed: 'ALLOWED', authorizationReference: 'ref-1' });
    const { auth } = service(() => hub(), redis);
    await expect(auth.authorize('CP-1', 'EMSP-REVOKED')).resolves.toEqual(roamingAccepted);
    hub = async () => ({ allowed: 'BLOCKED' });
    await expect(auth.authorize('CP-1', 'emsp-revoked')).resolves.toEqual({ status: 'Blocked' });
    await expect(auth.authorizationReference('CP-1', 'EMSP-REVOKED')).resolves.toBeUndefined();
    hub = () => Promise.reject(new TimeoutError('no reply on ocpi.token.authorize within 100 ms'));
    await expect(auth.authorize('CP-1', 'EMSP-REVOKED')).resolves.toEqual({ status: 'Invalid' });
  });

  it('keeps the roaming reference under the tag in any case', async () => {
    const redis = memoryRedis();
    const { auth } = service(async () => ({ allowed: 'ALLOWED', authorizationReference: 'ref-9' }), redis);
    await auth.authorize('CP-1', '04a2b3c4');
    await expect(auth.authorizationReference('CP-1', '04A2B3C4')).resolves.toBe('ref-9');
  });

  it("a later authorisation without a reference does not inherit an earlier one's (the session would be tied to the wrong authorisation)", async () => {
    const redis = memoryRedis();
    let hub: () => Promise<unknown> = async () => ({ allowed: 'ALLOWED', authorizationReference: 'ref-old' });
    const { auth } = service(() => hub(), redis);
    await auth.authorize('CP-1', 'EMSP-REF');
    // An eMSP's START_SESSION without authorization_reference (optional in OCPI) for the same tag.
    await auth.rememberCommanded('CP-1', 'EMSP-REF', undefined);
    await expect(auth.authorizationReference('CP-1', 'EMSP-REF')).resolves.toBeUndefined();
    await auth.rememberCommanded('CP-1', 'EMSP-REF', 'ref-cmd');
    await expect(auth.authorizationReference('CP-1', 'EMSP-REF')).resolves.toBe('ref-cmd');
    // The hub allowing the tag again without a reference: none, not the command's.
    await auth.authorize('CP-1', 'EMSP-OTHER');
    hub = async () => ({ allowed: 'ALLOWED' });
    await auth.authorize('CP-1', 'EMSP-OTHER');
    await expect(auth.authorizationReference('CP-1', 'EMSP-OTHER')).resolves.toBeUndefined();
  });

  it("the hub's UNKNOWN (no eMSP decided in time) is no refusal: a tag it allowed here lately stays Accepted with its reference", async () => {
    const redis = memoryRedis();
    let hub: () => Promise<unknown> = async () => ({ allowed: 'ALLOWED', authorizationReference: 'ref-2' });
    const { auth } = service(() => hub(), redis);
    await expect(auth.authorize('CP-1', 'EMSP-SLOW')).resolves.toEqual(roamingAccepted);
    hub = async () => ({ allowed: 'UNKNOWN' });
    await expect(auth.authorize('CP-1', 'EMSP-SLOW')).resolves.toEqual(roamingAccepted);
    await expect(auth.authorizationReference('CP-1', 'EMSP-SLOW')).resolves.toBe('ref-2');
  });

  it("a roaming Accepted expires when our trust in the hub's decision does (15 min); a refusal carries no expiry", async () => {
    const redis = memoryRedis();
    let hub: () => Promise<unknown> = async () => ({ allowed: 'ALLOWED' });
    const { auth } = service(() => hub(), redis);
    const now = new Date('2026-03-01T10:00:00Z');
    await expect(auth.authorize('CP-1', 'EMSP-EXP', { now })).resolves.toEqual({ status: 'Accepted', expiryDate: '2026-03-01T10:15:00.000Z' });
    hub = async () => ({ allowed: 'BLOCKED' });
    await expect(auth.authorize('CP-1', 'EMSP-EXP', { now })).resolves.toEqual({ status: 'Blocked' });
  });

  it('an empty idTag (a free-vend start) gets the configured default without asking the hub or logging a warning', async () => {
    const reply = jest.fn(async () => ({ allowed: 'UNKNOWN' }));
    const { auth, warn } = service(reply, memoryRedis());
    await expect(auth.authorize('CP-1', '')).resolves.toEqual({ status: 'Invalid' });
    expect(reply).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
  });

  it("the hub's UNKNOWN for a tag nobody allowed gets the configured default, as no answer does", async () => {
    const accepting = { ...config, OCPP_UNKNOWN_TOKEN_DEFAULT: 'Accepted' } as OcppConfig;
    const tags = { find: async () => undefined, inActiveTransaction: async () => false } as unknown as IdTagRepository;
    const requester = { request: async () => ({ allowed: 'UNKNOWN' }) } as unknown as BusRequester;
    const redis = { get: async () => null, del: async () => 0 } as unknown as Redis;
    const auth = new AuthorizationService(tags, requester, new RedisKeys(accepting), redis, accepting, { warn: jest.fn() } as unknown as Logger);
    await expect(auth.authorize('CP-1', 'NOBODY-KNOWS')).resolves.toEqual(roamingAccepted);
  });
});
