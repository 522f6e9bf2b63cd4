import { jest } from '@jest/globals';
import type { BusRequester } from '@cpo/messaging';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import type { OcppConfig } from '../config.js';
import { RedisKeys } from '../redis-keys.js';
import { AuthorizationService } from './authorization.service.js';
import type { IdTagRepository } from './id-tag.repository.js';

const config = { NATS_SUBJECT_PREFIX: 't', OCPP_REMOTE_AUTHORIZE_TIMEOUT_MS: 100, OCPP_UNKNOWN_TOKEN_DEFAULT: 'Invalid' } as OcppConfig;

/**
 * The token of an eMSP's START_SESSION is in a session already (the same app token starting a
 * second car, a fleet account's shared token), and unknown locally: the hub would allow it too.
 */
function service(local?: { idTag: string }) {
  const store = new Map<string, string>();
  const redis = {
    set: async (k: string, v: string) => (store.set(k, v), 'OK'),
    get: async (k: string) => store.get(k) ?? null,
    del: async (...keys: string[]) => keys.filter((k) => store.delete(k)).length,
  } as unknown as Redis;
  const tags = {
    find: async () => (local ? { ...local, status: 'Accepted', expiryDate: null, parentIdTag: null, updatedAt: new Date() } : undefined),
    inActiveTransaction: async () => true,
    lockStarts: async () => undefined,
  } as unknown as IdTagRepository;
  const requester = { request: async () => ({ allowed: 'ALLOWED' }) } as unknown as BusRequester;
  return new AuthorizationService(tags, requester, new RedisKeys(config), redis, config, { warn: jest.fn() } as unknown as Logger);
}

const tx = {} as EntityManager;
const at = new Date();

describe('AuthorizationService: the token of an eMSP START_SESSION', () => {
  it('is not refused as ConcurrentTx where the command started it: the eMSP authorised this session (OCPI), a refusal stops it', async () => {
    const auth = service();
    await auth.rememberCommanded('CP-1', 'APP-USER-7', 'ref-7');
    const decided = await auth.authorize('CP-1', 'app-user-7', { at, connectorId: 2 });
    expect(decided).toEqual({ status: 'Accepted', expiryDate: expect.any(String) });
    const commanded = await auth.commandedHere('CP-1', 'APP-USER-7');
    expect(commanded).toBe(true);
    await expect(auth.confirmStart(tx, 'CP-1', 'APP-USER-7', decided, { at, connectorId: 2, commanded })).resolves.toEqual(decided);
    await expect(auth.authorize('CP-1', 'APP-USER-7')).resolves.toMatchObject({ status: 'Accepted' });
  });

  it('is ConcurrentTx elsewhere, and as a hub-allowed or local token, as before', async () => {
    const auth = service();
    await auth.rememberCommanded('CP-1', 'APP-USER-8', 'ref-8');
    await expect(auth.authorize('CP-2', 'APP-USER-8', { at, connectorId: 1 })).resolves.toMatchObject({ status: 'ConcurrentTx' });
    await expect(auth.commandedHere('CP-2', 'APP-USER-8')).resolves.toBe(false);
    await expect(auth.confirmStart(tx, 'CP-2', 'APP-USER-8', { status: 'Accepted' }, { at, connectorId: 1, commanded: false })).resolves.toEqual({ status: 'ConcurrentTx' });
    const withLocal = service({ idTag: 'OWN-CARD' });
    await withLocal.rememberCommanded('CP-1', 'OWN-CARD', undefined);
    await expect(withLocal.authorize('CP-1', 'OWN-CARD', { at, connectorId: 1 })).resolves.toEqual({ status: 'ConcurrentTx' });
    await expect(withLocal.commandedHere('CP-1', 'OWN-CARD')).resolves.toBe(false);
    await expect(withLocal.confirmStart(tx, 'CP-1', 'OWN-CARD', { status: 'Accepted' }, { at, connectorId: 1, commanded: false })).resolves.toEqual({ status: 'ConcurrentTx' });
  });

});
