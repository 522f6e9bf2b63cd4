import type { Redis } from 'ioredis';

const TTL_MS = 120_000;
const POLL_MS = 50;
/** Deletes the lock only if it is still ours: after a TTL expiry another replica may hold it. */
const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * The one Redis lock on "deciding group G's extra capacity for day D", shared by the daily job and
 * operators' forced requests, so only one of them works on a day at a time across replicas.
 */
export class AdjustDayLock {
  constructor(private readonly redis: Redis) {}

  /** SET NX PX under `token`, retried for up to `waitMs` (real time: it waits on another process). */
  async acquire(groupId: string, day: string, token: string, waitMs = 0): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      if ((await this.redis.set(keyOf(groupId, day), token, 'PX', TTL_MS, 'NX')) === 'OK') return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  async release(groupId: string, day: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, 1, keyOf(groupId, day), token);
  }
}

const keyOf = (groupId: string, day: string): string => `planner:adjust:${groupId}:${day}`;
