import { UnavailableError } from '@cpo/platform';
import { PasswordVerifier } from '../src/stations/password.js';

/** A stored hash in the scrypt format, one per station (the stand-in KDF never matches it). */
const storedFor = (name: string) => `scrypt$16384$8$1$${Buffer.from(name.padEnd(16, '.')).toString('base64')}$${Buffer.alloc(32, 1).toString('base64')}$text`;
const tick = () => new Promise((r) => setImmediate(r));

/**
 * Reconnect storm under guessing (security profile 1): one guess per station, spread over ~300
 * identities (station ids are printed on chargers). The per-key limits (one per address, four in all) stop guesses at one
 * station only; the identities' failures make their next guesses suspect (a quarter of the queue,
 * one run at once), so honest first checks keep their place.
 */
describe('guesses spread over many identities during a reconnect storm', () => {
  it("leave room for a legitimate charger's first check", async () => {
    let runs = 0;
    let hang = false;
    const release: (() => void)[] = [];
    const verifier = new PasswordVerifier(
      async () => {
        runs += 1;
        if (hang) await new Promise<void>((r) => release.push(r));
        return Buffer.alloc(32);
      },
    );
    const guess = async (i: number, round: number) => {
      const attempt = verifier.attempt(`victim-${i}`, Buffer.from(`guess-${round}-${i}`));
      const ok = await verifier.verify(storedFor(`victim-${i}`), attempt.password, attempt);
      verifier.settle(attempt, ok);
      return ok;
    };
    // A round fails at every identity: each becomes suspect.
    for (let i = 0; i < 300; i++) await guess(i, 1);
    expect(runs).toBe(300);
    // Their next guesses are suspect: they cannot fill the queue.
    hang = true;
    const guesses = Array.from({ length: 300 }, (_, i) => guess(i, 2).catch((err: unknown) => err));
    await tick();
    const legit = verifier.verify(storedFor('honest-charger'), Buffer.from('its-own-key'), verifier.attempt('honest-charger', Buffer.from('its-own-key'))).catch((err: unknown) => err);
    while (release.length > 0) {
      release.splice(0).forEach((r) => r());
      await tick();
    }
    const refused = (await Promise.all(guesses)).filter((r) => r instanceof UnavailableError).length;
    expect(refused).toBeGreaterThan(200);
    const outcome = await legit;
    expect(outcome instanceof UnavailableError ? `refused: ${outcome.message}` : outcome).toBe(false);
  });
});
