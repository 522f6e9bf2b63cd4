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

describe('PasswordVerifier: suspects and fairness', () => {
  const right = Buffer.alloc(32, 1);
  /** A stand-in KDF: 'right-key' matches every storedFor hash. */
  const kdf: Kdf = async (password) => (password === 'right-key' ? right : Buffer.alloc(32));

  it("an identity's failures are counted only when hashed (its repeated wrong key never counts), yet its unseen passwords are always hashed", async () => {
    let runs = 0;
    const verifier = new PasswordVerifier((...a) => ((runs += 1), kdf(...a)));
    const stored = `${storedFor('CP-1')}$text`;
    const tryOnce = async (password: string) => {
      const attempt = verifier.attempt('CP-1', Buffer.from(password));
      const ok = await verifier.verify(stored, attempt.password, attempt);
      verifier.settle(attempt, ok);
      return attempt;
    };
    expect((await tryOnce('guess-1')).suspect).toBe(false);
    // Its configured (wrong) key again: answered from memory.
    for (let i = 0; i < 5; i++) expect((await tryOnce('guess-1')).suspect).toBe(true);
    expect(runs).toBe(1);
    for (let i = 2; i < 6; i++) await tryOnce(`guess-${i}`);
    expect(runs).toBe(5);
    // The right key, never seen: hashed (in the suspect class) and admitted; a success clears it.
    expect((await tryOnce('right-key')).suspect).toBe(true);
    expect(runs).toBe(6);
    expect((await tryOnce('guess-7')).suspect).toBe(false);
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
