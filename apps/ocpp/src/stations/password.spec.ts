import { scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import { UnavailableError } from '@cpo/platform';
import { hashPassword, MAX_REMEMBERED_OUTCOMES, PasswordVerifier } from './password.js';
import type { VerifiedKeyMemory } from './shared-password-memory.js';

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

  describe('with a memory shared by the replicas', () => {
    /** What every replica's memory reads and writes (Redis in the service). */
    const sharedMemory = () => {
      const entries = new Set<string>();
      const memory: VerifiedKeyMemory = {
        recalls: async (stored, password) => entries.has(`${stored}|${password.toString('hex')}`),
        remember: async (stored, password) => void entries.add(`${stored}|${password.toString('hex')}`),
      };
      return { entries, memory };
    };
    const stored = storedFor('station-1');
    const counting = (runs: { n: number }): Kdf => async (password) => ((runs.n += 1), password === 'right-key' ? Buffer.alloc(32, 1) : Buffer.alloc(32));

    it('a key one replica verified is accepted by another without its scrypt run; a failure is never shared', async () => {
      const { entries, memory } = sharedMemory();
      const first = { n: 0 };
      const second = { n: 0 };
      expect(await new PasswordVerifier(counting(first), memory).verify(stored, Buffer.from('right-key'))).toBe(true);
      expect(await new PasswordVerifier(counting(first), memory).verify(stored, Buffer.from('a-guess'))).toBe(false);
      expect(entries.size).toBe(1);
      const other = new PasswordVerifier(counting(second), memory);
      expect(await other.verify(stored, Buffer.from('right-key'))).toBe(true);
      expect(second.n).toBe(0);
      expect(await other.verify(stored, Buffer.from('a-guess'))).toBe(false);
      expect(second.n).toBeGreaterThan(0);
    });

    it("a shared success is answered while a guesser holds the station's one check slot (it got 503)", async () => {
      const { memory } = sharedMemory();
      await new PasswordVerifier(counting({ n: 0 }), memory).verify(stored, Buffer.from('right-key'));
      const release: (() => void)[] = [];
      const stuck: Kdf = async () => (await new Promise<void>((r) => release.push(r)), Buffer.alloc(32));
      const fresh = new PasswordVerifier(stuck, memory);
      const guess = fresh.verify(stored, Buffer.from('a-guess'));
      await new Promise((r) => setImmediate(r));
      expect(release.length).toBe(1);
      await expect(fresh.verify(stored, Buffer.from('another-guess'))).rejects.toBeInstanceOf(UnavailableError);
      expect(await fresh.verify(stored, Buffer.from('right-key'))).toBe(true);
      // The guess's text and then its hex each wait for a release.
      while (release.length > 0) {
        release.splice(0).forEach((r) => r());
        await new Promise((r) => setImmediate(r));
      }
      expect(await guess).toBe(false);
    });

    it('a success remembered locally is answered while a guesser holds the slot, with no shared memory', async () => {
      const release: (() => void)[] = [];
      let hang = false;
      const verifier = new PasswordVerifier(async (password) => {
        if (hang) await new Promise<void>((r) => release.push(r));
        return password === 'right-key' ? Buffer.alloc(32, 1) : Buffer.alloc(32);
      });
      expect(await verifier.verify(stored, Buffer.from('right-key'))).toBe(true);
      hang = true;
      const guess = verifier.verify(stored, Buffer.from('a-guess'));
      await new Promise((r) => setImmediate(r));
      expect(release.length).toBe(1);
      expect(await verifier.verify(stored, Buffer.from('right-key'))).toBe(true);
      hang = false;
      release.splice(0).forEach((r) => r());
      expect(await guess).toBe(false);
    });
  });
});
