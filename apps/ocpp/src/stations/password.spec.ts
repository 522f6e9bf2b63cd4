import { scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import { UnavailableError } from '@cpo/platform';
import { hashPassword, MAX_REMEMBERED_OUTCOMES, PasswordVerifier } from './password.js';

type Kdf = ConstructorParameters<typeof PasswordVerifier>[0] & {};

/** A stored hash in the scrypt format, one per name (a stand-in KDF decides the outcome). */
const storedFor = (name: string) => `scrypt$16384$8$1$${Buffer.from(name.padEnd(16, '.')).toString('base64')}$${Buffer.alloc(32, 1).toString('base64')}`;
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

  it("a flood of wrong guesses never evicts the chargers' remembered successes (every reconnect would cost scrypt again)", async () => {
    const stored = await hashPassword('right-key');
    let runs = 0;
    // A stand-in KDF (this test is about what is remembered, not about scrypt): only the right key gives the stored hash.
    const expected = Buffer.from(stored.split('$')[5]!, 'base64');
    const verifier = new PasswordVerifier(async (password) => ((runs += 1), password === 'right-key' ? expected : Buffer.alloc(expected.length)));
    const right = Buffer.from('right-key');
    expect(await verifier.verify(stored, right)).toBe(true);
    for (let i = 0; i < MAX_REMEMBERED_OUTCOMES + 10; i++) await verifier.verify(stored, Buffer.from(`guess-${i}`));
    const before = runs;
    expect(await verifier.verify(stored, right)).toBe(true);
    expect(runs).toBe(before);
  });

  it("guesses against one station's key cannot fill the queue: another station's charger still gets its check (it got 503)", async () => {
    const release: (() => void)[] = [];
    const verifier = new PasswordVerifier(async () => {
      await new Promise<void>((r) => release.push(r));
      return Buffer.alloc(32);
    });
    const guesses = Array.from({ length: 300 }, (_, i) => verifier.verify(storedFor('victim'), Buffer.from(`guess-${i}`)).catch((err: unknown) => err));
    await new Promise((r) => setImmediate(r));
    const legit = verifier.verify(storedFor('other'), Buffer.from('its-own-key')).catch((err: unknown) => err);
    // The same password again while its check runs shares that check (a charger retrying its upgrade).
    const again = verifier.verify(storedFor('other'), Buffer.from('its-own-key')).catch((err: unknown) => err);
    while (release.length > 0) {
      release.splice(0).forEach((r) => r());
      await new Promise((r) => setImmediate(r));
    }
    expect(await legit).toBe(false);
    expect(await again).toBe(false);
    const refused = (await Promise.all(guesses)).filter((r) => r instanceof UnavailableError).length;
    expect(refused).toBeGreaterThanOrEqual(299);
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
    // Distinct stations' keys (one check each at a time), so nothing is remembered (each is up to two runs: the text and its hex).
    const checks = Array.from({ length: 258 }, (_, i) => verifier.verify(storedFor(`station-${i}`), Buffer.from(`guess-${i}`)));
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
