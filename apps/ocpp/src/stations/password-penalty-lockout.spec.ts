import { PasswordVerifier } from './password.js';

type Kdf = ConstructorParameters<typeof PasswordVerifier>[0] & {};
const right = Buffer.alloc(32, 1);
/** A stand-in KDF: only 'right-key' matches. */
const kdf: Kdf = async (password) => (password === 'right-key' ? right : Buffer.alloc(32));
const stored = `scrypt$16384$8$1$${Buffer.from('CP-victim'.padEnd(16, '.')).toString('base64')}$${right.toString('base64')}$text`;

describe('PasswordVerifier: guesses against an identity cannot lock its charger out', () => {
  it("a charger's right key this replica has not seen is hashed and admitted while someone else's guesses penalise the identity", async () => {
    let now = 0;
    let runs = 0;
    const verifier = new PasswordVerifier((...a) => ((runs += 1), kdf(...a)), undefined, { now: () => now });
    const tryOnce = async (password: string) => {
      const attempt = verifier.attempt('CP-victim', Buffer.from(password));
      const ok = await verifier.verify(stored, attempt.password, attempt);
      verifier.settle(attempt, ok);
      return ok;
    };
    // Someone who knows only the identity guesses: each new guess past the free ones grows the penalty.
    for (let i = 0; i < 12; i++) {
      expect(await tryOnce(`guess-${i}`)).toBe(false);
      now += 10;
    }
    // The charger reconnects (this replica restarted, or the shared memory is off or expired): its
    // right key must still be checked, not refused unhashed for up to five minutes.
    const before = runs;
    expect(await tryOnce('right-key')).toBe(true);
    expect(runs).toBe(before + 1);
  });
});
