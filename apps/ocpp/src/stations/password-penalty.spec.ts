import { scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import { MAX_RUNNING, MAX_WAITING } from './password-gate.js';
import { hashPassword, PasswordVerifier } from './password.js';

type Kdf = ConstructorParameters<typeof PasswordVerifier>[0] & {};
const realScrypt = promisify(scrypt) as unknown as Kdf;
const storedFor = (name: string) => `scrypt$16384$8$1$${Buffer.from(name.padEnd(16, '.')).toString('base64')}$${Buffer.alloc(32, 1).toString('base64')}`;
const tick = () => new Promise((r) => setImmediate(r));

describe('PasswordVerifier: one scrypt run per wrong password', () => {
  it('a hex AuthorizationKey is accepted as hex text (either case) and as raw bytes; a wrong one costs one run', async () => {
    const key = '0123456789ABCDEF0123456789abcdef01234567';
    const stored = await hashPassword(key);
    let runs = 0;
    const verifier = new PasswordVerifier((...args) => ((runs += 1), realScrypt(...args)));
    expect(await verifier.verify(stored, Buffer.from(key))).toBe(true);
    expect(await verifier.verify(stored, Buffer.from(key.toLowerCase()))).toBe(true);
    expect(await verifier.verify(stored, Buffer.from(key, 'hex'))).toBe(true);
    runs = 0;
    expect(await verifier.verify(stored, Buffer.from('a-wrong-guess-of-some-length'))).toBe(false);
    expect(await verifier.verify(stored, Buffer.from('0123456789abcdef0123456789abcdef01234566'))).toBe(false);
    expect(await verifier.verify(stored, Buffer.from('0123456789abcdef0123456789abcdef01234566', 'hex'))).toBe(false);
    expect(runs).toBe(3);
  });

  it('a text key is accepted as text; a wrong one costs one run; a hash stored before the form still takes both forms', async () => {
    const stored = await hashPassword('not a hex key');
    let runs = 0;
    const verifier = new PasswordVerifier((...args) => ((runs += 1), realScrypt(...args)));
    expect(await verifier.verify(stored, Buffer.from('not a hex key'))).toBe(true);
    runs = 0;
    expect(await verifier.verify(stored, Buffer.from('wrong'))).toBe(false);
    expect(runs).toBe(1);
    const legacy = (await hashPassword('00112233445566778899aabbccddeeff')).split('$').slice(0, 6).join('$');
    expect(await verifier.verify(legacy, Buffer.from('00112233445566778899aabbccddeeff', 'hex'))).toBe(true);
    expect(await verifier.verify(legacy, Buffer.from('00112233445566778899AABBCCDDEEFF'))).toBe(true);
  });
});

describe('PasswordVerifier: penalties and fairness', () => {
  const right = Buffer.alloc(32, 1);
  /** A stand-in KDF: 'right-key' matches every storedFor hash. */
  const kdf: Kdf = async (password) => (password === 'right-key' ? right : Buffer.alloc(32));

  it("after a failed check an identity's unseen passwords are refused without hashing, doubling; its repeated wrong key never grows it", async () => {
    let now = 0;
    let runs = 0;
    const verifier = new PasswordVerifier((...a) => ((runs += 1), kdf(...a)), undefined, { now: () => now });
    const stored = `${storedFor('CP-1')}$text`;
    const tryOnce = async (password: string) => {
      const attempt = verifier.attempt('CP-1', Buffer.from(password));
      const ok = await verifier.verify(stored, attempt.password, attempt);
      verifier.settle(attempt, ok);
      return ok;
    };
    expect(await tryOnce('guess-1')).toBe(false);
    // Its configured (wrong) key again: answered from memory, the penalty does not grow.
    for (let i = 0; i < 5; i++) expect(await tryOnce('guess-1')).toBe(false);
    expect(runs).toBe(1);
    // The first two failures are spared (a rotated charger's old keys); the third starts the penalty.
    expect(await tryOnce('guess-1b')).toBe(false);
    expect(await tryOnce('guess-2')).toBe(false);
    expect(runs).toBe(3);
    expect(await tryOnce('right-key')).toBe(false);
    expect(runs).toBe(3);
    now += 1_000;
    expect(await tryOnce('guess-3')).toBe(false);
    expect(runs).toBe(4);
    now += 1_999;
    expect(await tryOnce('guess-4')).toBe(false);
    expect(runs).toBe(4);
    now += 1;
    // Its key fixed: a penalty not grown by its retries lets it in as it expires; a success clears it.
    expect(await tryOnce('right-key')).toBe(true);
    expect(await tryOnce('guess-5')).toBe(false);
    expect(runs).toBe(6);
  });

  it('a full queue refuses a new check before anything is read, except for a password this replica admitted for the identity', async () => {
    const release: (() => void)[] = [];
    let hang = false;
    const verifier = new PasswordVerifier(async (...a) => {
      if (hang) await new Promise<void>((r) => release.push(r));
      return kdf(...a);
    });
    const known = verifier.attempt('CP-known', Buffer.from('right-key'));
    verifier.settle(known, await verifier.verify(storedFor('CP-known'), known.password, known));
    hang = true;
    for (let i = 0; i < MAX_RUNNING + MAX_WAITING; i++) void verifier.verify(storedFor(`CP-${i}`), Buffer.from('guess')).catch(() => undefined);
    await tick();
    expect(verifier.mayCheck('CP-new', Buffer.from('right-key'))).toBe(false);
    expect(verifier.mayCheck('CP-known', Buffer.from('right-key'))).toBe(true);
    expect(verifier.mayCheck('CP-known', Buffer.from('other-key'))).toBe(false);
    expect(verifier.retryAfterSeconds()).toBeGreaterThan(5);
    hang = false;
    while (release.length > 0) {
      release.splice(0).forEach((r) => r());
      await tick();
    }
  });
});
