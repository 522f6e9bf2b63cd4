import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import type { BusRequester } from '@cpo/messaging';
import { testServers } from '@cpo/testing';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AuthorizationService } from '../src/authorization/authorization.service.js';
import type { IdTagRepository } from '../src/authorization/id-tag.repository.js';
import { HUB_ALLOWED, RoamingMarks } from '../src/authorization/roaming-marks.js';
import type { OcppConfig } from '../src/config.js';
import { RedisKeys } from '../src/redis-keys.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A START_SESSION refused by the charger (in time or after our timeout) gives its token back to the
 * hub: its marker is forgotten. An eMSP retrying the START_SESSION meanwhile wrote a fresh marker
 * whose remote start is not recorded yet (it waits in the station's queue), so nothing looked open:
 * the refusal deleted the retry's marker, and the retry's session was asked of the hub again (or
 * refused ConcurrentTx) though the eMSP had authorised it.
 */
describe("a refused START_SESSION's marker, with a retry remembered after it (real Redis)", () => {
  const config = { NATS_SUBJECT_PREFIX: `t${randomUUID().slice(0, 8)}`, OCPP_REMOTE_AUTHORIZE_TIMEOUT_MS: 100, OCPP_UNKNOWN_TOKEN_DEFAULT: 'Invalid' } as OcppConfig;
  const keys = new RedisKeys(config);
  const redis = new Redis(testServers.redis, { maxRetriesPerRequest: 1 });
  const tags = { find: async () => undefined } as unknown as IdTagRepository;
  const auth = new AuthorizationService(tags, {} as BusRequester, keys, redis, config, { warn: jest.fn() } as unknown as Logger);
  const marks = new RoamingMarks(redis, keys);

  afterAll(async () => {
    const left = await redis.keys(`${config.NATS_SUBJECT_PREFIX}:*`);
    if (left.length > 0) await redis.del(...left);
    await redis.quit();
  });

  it("keeps the retry's marker and reference, and forgets the refused command's own", async () => {
    await auth.rememberCommanded('CP-1', 'APP-1', 'ref-first');
    const firstMarkedBy = performance.now();
    await sleep(300);
    await auth.rememberCommanded('CP-1', 'APP-1', 'ref-retry');

    await auth.forgetCommanded('CP-1', 'APP-1', firstMarkedBy);
    await expect(auth.commandedHere('CP-1', 'APP-1')).resolves.toBe(true);
    await expect(marks.reference('CP-1', 'APP-1')).resolves.toBe('ref-retry');

    // The retry refused in its turn: its marker was written before its own bound.
    await auth.forgetCommanded('CP-1', 'APP-1', performance.now());
    await expect(auth.commandedHere('CP-1', 'APP-1')).resolves.toBe(false);
    await expect(marks.reference('CP-1', 'APP-1')).resolves.toBeNull();
  });

  it("leaves a hub's allow alone, however old", async () => {
    await marks.allow('CP-2', 'APP-2', HUB_ALLOWED, 'ref-hub');
    await auth.forgetCommanded('CP-2', 'APP-2', performance.now() + 60_000);
    await expect(marks.marker('CP-2', 'APP-2')).resolves.toBe(HUB_ALLOWED);
  });
});
