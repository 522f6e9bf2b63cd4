import { createHmac } from 'node:crypto';
import { TimeoutError } from '@cpo/platform';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import type { RedisKeys } from '../redis-keys.js';

/**
 * How long a shared success lasts. Not refreshed on use: a key in daily use costs each deployment
 * one scrypt run a day, and a success outlives neither the stored hash (it is part of the entry's
 * key) nor a lost secret by more than this.
 */
export const SHARED_SUCCESS_TTL_S = 24 * 60 * 60;
/** Longest wait for Redis during an upgrade: past it the check goes on as if nothing were shared (scrypt). */
export const SHARED_MEMORY_TIMEOUT_MS = 250;
/** A Redis outage would otherwise log a line per connecting charger. */
const FAILURE_LOG_INTERVAL_MS = 60_000;

/** The part of the Redis client used here (a fake in unit tests). */
export interface SharedStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, mode: 'EX', seconds: number): Promise<unknown>;
}

/** Successes of password checks that other verifiers (replicas) made. Never throws: a failure is a miss. */
export interface VerifiedKeyMemory {
  recalls(stored: string, password: Buffer): Promise<boolean>;
  remember(stored: string, password: Buffer): Promise<void>;
}

/** Without a secret: every check is this replica's own (local memory, then scrypt). */
export const NO_SHARED_MEMORY: VerifiedKeyMemory = {
  recalls: async () => false,
  remember: async () => undefined,
};

/** DI token of the gateway's {@link VerifiedKeyMemory}. */
export const VERIFIED_KEY_MEMORY = Symbol('VERIFIED_KEY_MEMORY');

/**
 * Verified station keys shared by all replicas in Redis, so a charger moving to a replica that has
 * not seen it (a rolling update moves them all) costs no scrypt run there. An entry's name is an
 * HMAC-SHA256, under a deployment secret, of the stored hash and the password: someone who reads
 * Redis, even with the stations' hashes, cannot test a guess without the secret (a plain digest
 * would let them test guesses at SHA-256 speed, undoing scrypt), and a new stored hash (rotated key,
 * changed password) names other entries. Only successes are written: anyone can cause a failure.
 */
export class SharedPasswordMemory implements VerifiedKeyMemory {
  private lastFailureLogAt = Number.NEGATIVE_INFINITY;
  private unloggedFailures = 0;

  constructor(
    private readonly store: SharedStore,
    private readonly secret: string,
    private readonly keyOf: (mac: string) => string,
    private readonly logger: Logger,
    private readonly timeoutMs = SHARED_MEMORY_TIMEOUT_MS,
  ) {}

  /** The gateway's memory: off (logged once, at start) without OCPP_AUTH_MEMORY_SECRET. */
  static fromConfig(keys: RedisKeys, redis: Redis, config: Pick<OcppConfig, 'OCPP_AUTH_MEMORY_SECRET'>, root: Logger): VerifiedKeyMemory {
    const logger = root.child({ component: 'ocpp-security' });
    if (!config.OCPP_AUTH_MEMORY_SECRET) {
      logger.warn('OCPP_AUTH_MEMORY_SECRET is not set: verified station keys are not shared between replicas (each charger costs a scrypt run on every replica it reaches)');
      return NO_SHARED_MEMORY;
    }
    return new SharedPasswordMemory(redis, config.OCPP_AUTH_MEMORY_SECRET, (mac) => keys.verifiedStationKey(mac), logger);
  }

  async recalls(stored: string, password: Buffer): Promise<boolean> {
    try {
      return (await this.within(this.store.get(this.entry(stored, password)))) !== null;
    } catch (err) {
      this.failed(err, 'read');
      return false;
    }
  }

  async remember(stored: string, password: Buffer): Promise<void> {
    try {
      await this.within(this.store.set(this.entry(stored, password), '1', 'EX', SHARED_SUCCESS_TTL_S));
    } catch (err) {
      this.failed(err, 'write');
    }
  }

  private entry(stored: string, password: Buffer): string {
    // A stored hash never holds NUL, so the boundary between the two is unambiguous.
    return this.keyOf(createHmac('sha256', this.secret).update(stored).update('\u0000').update(password).digest('base64url'));
  }

  private async within<T>(operation: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`redis did not answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      return await Promise.race([operation, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private failed(err: unknown, operation: 'read' | 'write'): void {
    const now = Date.now();
    if (now - this.lastFailureLogAt < FAILURE_LOG_INTERVAL_MS) {
      this.unloggedFailures += 1;
      return;
    }
    this.logger.warn(
      { err, operation, unlogged: this.unloggedFailures },
      'shared memory of verified station keys unavailable; checking keys locally (scrypt) meanwhile',
    );
    this.lastFailureLogAt = now;
    this.unloggedFailures = 0;
  }
}
