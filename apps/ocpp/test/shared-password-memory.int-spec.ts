import { scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { RedisKeys } from '../src/redis-keys.js';
import { hashPassword, PasswordVerifier } from '../src/stations/password.js';
import { SharedPasswordMemory, VERIFIED_KEY_MEMORY, type VerifiedKeyMemory } from '../src/stations/shared-password-memory.js';
import { api, startOcpp, uniqueStation, upgradeStatus, type OcppHarness } from './harness.js';

type Kdf = ConstructorParameters<typeof PasswordVerifier>[0] & {};
const realScrypt = promisify(scrypt) as unknown as Kdf;
const key = '0123456789abcdef0123456789abcdef';
const basic = (id: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${password}`).toString('base64')}` });

/** A replica's verifier: real scrypt, counted. */
function replica(memory: VerifiedKeyMemory) {
  const runs = { n: 0 };
  const verifier = new PasswordVerifier((...args) => ((runs.n += 1), realScrypt(...args)), memory);
  return { runs, verifier };
}

describe('station keys verified once, shared by the replicas through Redis', () => {
  let h: OcppHarness;
  let memory: VerifiedKeyMemory;
  beforeAll(async () => {
    h = await startOcpp({ OCPP_UNKNOWN_STATION_POLICY: 'reject' });
    memory = h.app.app.get(VERIFIED_KEY_MEMORY);
  });
  afterAll(async () => {
    await h.close();
  });

  it('a key one replica verified is accepted by another without a scrypt run; a rotated stored hash is not', async () => {
    const stored = await hashPassword(key);
    const first = replica(memory);
    expect(await first.verifier.verify(stored, Buffer.from(key))).toBe(true);
    expect(first.runs.n).toBe(1);
    const second = replica(memory);
    expect(await second.verifier.verify(stored, Buffer.from(key))).toBe(true);
    expect(second.runs.n).toBe(0);
    // The same key under a new hash (rotated, or set again with a new salt): the success under the old hash does not count.
    const rotated = await hashPassword(key);
    expect(await second.verifier.verify(rotated, Buffer.from(key))).toBe(true);
    expect(second.runs.n).toBe(1);
    // A failure is not shared: each replica finds it out itself.
    expect(await first.verifier.verify(stored, Buffer.from('fedcba9876543210fedcba9876543210'))).toBe(false);
    const third = replica(memory);
    expect(await third.verifier.verify(stored, Buffer.from('fedcba9876543210fedcba9876543210'))).toBe(false);
    expect(third.runs.n).toBeGreaterThan(0);
  });

  it("the charger endpoint shares the keys it verified: another replica's verifier accepts the charger without scrypt", async () => {
    const id = uniqueStation('SHAREDKEY');
    expect((await api(h, 'PUT', `/api/v1/stations/${id}`, { securityProfile: 1, password: key })).status).toBe(201);
    expect(await upgradeStatus(`${h.wsUrl}/${id}`, 'ocpp1.6', basic(id, key))).toBe(101);
    const [{ password_hash: stored }] = (await h.db.query(`SELECT password_hash FROM stations WHERE id = $1`, [id])) as { password_hash: string }[];
    const other = replica(memory);
    expect(await other.verifier.verify(stored, Buffer.from(key))).toBe(true);
    expect(other.runs.n).toBe(0);
  });

  it('Redis gone: a charger is still checked (scrypt), never refused for it', async () => {
    const redis = new Redis(h.app.config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    const own = new SharedPasswordMemory(redis, 'an-integration-test-secret-of-32-chars', (mac) => h.app.app.get(RedisKeys).verifiedStationKey(mac), pino({ level: 'silent' }));
    const stored = await hashPassword(key);
    await replica(own).verifier.verify(stored, Buffer.from(key));
    redis.disconnect();
    const after = replica(own);
    expect(await after.verifier.verify(stored, Buffer.from(key))).toBe(true);
    expect(after.runs.n).toBe(1);
    expect(await after.verifier.verify(stored, Buffer.from('fedcba9876543210fedcba9876543210'))).toBe(false);
    // Nor with a Redis that never answered at all.
    const unreachable = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
    const never = replica(new SharedPasswordMemory(unreachable, 'an-integration-test-secret-of-32-chars', (mac) => `x:${mac}`, pino({ level: 'silent' })));
    expect(await never.verifier.verify(stored, Buffer.from(key))).toBe(true);
    expect(never.runs.n).toBe(1);
    unreachable.disconnect();
  });
});
