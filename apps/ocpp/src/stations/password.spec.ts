import { scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import { UnavailableError } from '@cpo/platform';
import { hashPassword, PasswordVerifier } from './password.js';

type Kdf = ConstructorParameters<typeof PasswordVerifier>[0] & {};
const realScrypt = promisify(scrypt) as unknown as Kdf;

describe('PasswordVerifier', () => {
  it('remembers failures as well as successes: a charger retrying with an old key costs no scrypt run per attempt', async () => {
    const stored = await hashPassword('right-key');
    let runs = 0;
    const verifier = new PasswordVerifier((...args) => ((runs += 1), realScrypt(...args)));
    expect(await verifier.verify(stored, Buffer.from('old-key'))).toBe(false);
    const afterFirst = runs;
    expect(afterFirst).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) expect(await verifier.verify(stored, Buffer.from('old-key'))).toBe(false);
    expect(await verifier.verify(stored, Buffer.from('right-key'))).toBe(true);
    expect(await verifier.verify(stored, Buffer.from('right-key'))).toBe(true);
    expect(runs).toBe(afterFirst + 1);
    // A rotated key is a new hash: nothing remembered applies to it.
    const rotated = await hashPassword('old-key');
    expect(await verifier.verify(rotated, Buffer.from('old-key'))).toBe(true);
  });

  it('runs at most two scrypt at once, and refuses at once when too many checks wait', async () => {
    const stored = await hashPassword('k');
    let running = 0;
    let most = 0;
    const release: (() => void)[] = [];
    const verifier = new PasswordVerifier(async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise<void>((r) => release.push(r));
      running -= 1;
      return Buffer.alloc(32);
    });
    // Distinct guesses, so nothing is remembered (each is up to two runs: the text and its hex).
    const checks = Array.from({ length: 258 }, (_, i) => verifier.verify(stored, Buffer.from(`guess-${i}`)));
    await new Promise((r) => setImmediate(r));
    expect(most).toBe(2);
    await expect(verifier.verify(stored, Buffer.from('one-too-many'))).rejects.toBeInstanceOf(UnavailableError);
    while (running > 0 || release.length > 0) {
      release.splice(0).forEach((r) => r());
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(checks)).toEqual(checks.map(() => false));
    expect(most).toBe(2);
  });
});
