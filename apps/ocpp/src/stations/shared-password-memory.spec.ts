import { createHmac } from 'node:crypto';
import { jest } from '@jest/globals';
import { pino } from 'pino';
import { SHARED_SUCCESS_TTL_S, SharedPasswordMemory, type SharedStore } from './shared-password-memory.js';

const SECRET = 'a-deployment-secret-of-32-characters!';
const STORED = 'scrypt$16384$8$1$c2FsdA==$aGFzaA==';

/** Redis as a map; `ttls` keeps the expiry each key was written with. */
class FakeStore implements SharedStore {
  readonly values = new Map<string, string>();
  readonly ttls = new Map<string, number>();
  async get(key: string): Promise<string | null> {
    return this.values.get(key) ?? null;
  }
  async set(key: string, value: string, _mode: 'EX', seconds: number): Promise<unknown> {
    this.values.set(key, value);
    this.ttls.set(key, seconds);
    return 'OK';
  }
}

const silent = () => pino({ level: 'silent' });
const memoryOn = (store: SharedStore, secret = SECRET, logger = silent(), timeoutMs?: number) =>
  new SharedPasswordMemory(store, secret, (mac) => `test:ocpp:keyok:${mac}`, logger, timeoutMs);

describe('SharedPasswordMemory', () => {
  it('keys a success by an HMAC of stored hash and password under the secret: Redis holds neither, nor anything to test guesses with', async () => {
    const store = new FakeStore();
    const password = Buffer.from('0123456789abcdef0123456789abcdef');
    await memoryOn(store).remember(STORED, password);
    const mac = createHmac('sha256', SECRET).update(STORED).update('\u0000').update(password).digest('base64url');
    expect([...store.values.keys()]).toEqual([`test:ocpp:keyok:${mac}`]);
    expect(store.ttls.get(`test:ocpp:keyok:${mac}`)).toBe(SHARED_SUCCESS_TTL_S);
    const written = [...store.values].join(' ');
    expect(written).not.toContain(password.toString());
    expect(written).not.toContain(STORED);
    // Another replica under the same secret recalls it; one under another secret (or a reader without it) cannot.
    expect(await memoryOn(store).recalls(STORED, password)).toBe(true);
    expect(await memoryOn(store, 'another-deployment-secret-of-32-chars').recalls(STORED, password)).toBe(false);
    expect(await memoryOn(store).recalls(STORED, Buffer.from('0123456789abcdef0123456789abcdee'))).toBe(false);
  });

  it('a new stored hash (key rotated, password changed) is not recalled from a success under the old one', async () => {
    const store = new FakeStore();
    const password = Buffer.from('same-password-0123');
    await memoryOn(store).remember(STORED, password);
    expect(await memoryOn(store).recalls(STORED.replace('c2FsdA==', 'bmV3c2FsdA=='), password)).toBe(false);
  });

  it('Redis failing or hanging is a miss, never an error, and is logged at most once a minute', async () => {
    const broken: SharedStore = { get: () => Promise.reject(new Error('ECONNREFUSED')), set: () => Promise.reject(new Error('ECONNREFUSED')) };
    const logger = silent();
    const warn = jest.spyOn(logger, 'warn');
    const memory = memoryOn(broken, SECRET, logger);
    for (let i = 0; i < 5; i++) {
      expect(await memory.recalls(STORED, Buffer.from('k'))).toBe(false);
      await expect(memory.remember(STORED, Buffer.from('k'))).resolves.toBeUndefined();
    }
    expect(warn).toHaveBeenCalledTimes(1);
    const hanging: SharedStore = { get: () => new Promise(() => undefined), set: () => new Promise(() => undefined) };
    const started = Date.now();
    expect(await memoryOn(hanging, SECRET, silent(), 50).recalls(STORED, Buffer.from('k'))).toBe(false);
    await memoryOn(hanging, SECRET, silent(), 50).remember(STORED, Buffer.from('k'));
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
