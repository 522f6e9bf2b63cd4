import { UnavailableError } from '@cpo/platform';
import { GOOD_SOURCE_MEMORY_MS, GoodSources, MAX_GOOD_SOURCES, MAX_GOOD_SOURCES_PER_IDENTITY } from './password-sources.js';
import { PasswordVerifier } from './password.js';

const right = Buffer.alloc(32, 1);
const stored = `scrypt$16384$8$1$${Buffer.from('CP-X'.padEnd(16, '.')).toString('base64')}$${right.toString('base64')}$text`;
const tick = () => new Promise((r) => setImmediate(r));

/** A verifier whose scrypt runs for a guess hang until released; only 'right-key' matches. */
const setup = () => {
  const release: (() => void)[] = [];
  const verifier = new PasswordVerifier(async (password) => {
    if (password === 'right-key') return right;
    await new Promise<void>((r) => release.push(r));
    return Buffer.alloc(32);
  });
  /** One upgrade's check of CP-X's key from `source`, settled as the admitter does. */
  const check = async (password: string, source: string) => {
    const attempt = verifier.attempt('CP-X', Buffer.from(password), source);
    try {
      const ok = await verifier.verify(stored, attempt.password, attempt);
      verifier.settle(attempt, ok);
      return ok;
    } catch (err) {
      return err;
    }
  };
  const drain = async () => {
    while (release.length > 0) {
      release.splice(0).forEach((r) => r());
      await tick();
    }
  };
  return { verifier, check, release, drain };
};

describe('PasswordVerifier: checks of one key told apart by source', () => {
  it("a wrong guess kept in flight from one source does not turn away the right key from another (the station's charger)", async () => {
    const { check, release, drain } = setup();
    // The identity is suspect (the attacker's earlier guess failed), and another guess is in flight.
    const first = check('guess-0', '198.51.100.66');
    await tick();
    await drain();
    expect(await first).toBe(false);
    const inFlight = check('guess-1', '198.51.100.66');
    await tick();
    // The charger's right key is checked (it queues for the suspect run the guess holds), not refused.
    const charger = check('right-key', '203.0.113.10');
    await tick();
    // The guess ends and the guesser sends the next one at once: the charger's check goes first.
    release.shift()!();
    expect(await inFlight).toBe(false);
    const next = check('guess-2', '198.51.100.66');
    expect(await charger).toBe(true);
    await drain();
    expect(await next).toBe(false);
  });

  it('one source runs one check of a key at a time; sources together at most four, a source that presented the right key not counted', async () => {
    const { verifier, check, release, drain } = setup();
    // The charger's address presented the right key before: remembered for the identity.
    expect(await check('right-key', '203.0.113.10')).toBe(true);
    // Then someone guesses: the identity is suspect.
    const failed = check('guess-0', '198.51.100.1');
    await tick();
    await drain();
    expect(await failed).toBe(false);
    const pending = [check('guess-a', '198.51.100.1')];
    await tick();
    expect(await check('guess-b', '198.51.100.1')).toBeInstanceOf(UnavailableError);
    for (let i = 2; i <= 4; i++) pending.push(check(`guess-${i}`, `198.51.100.${i}`));
    await tick();
    // Rotating sources: the fifth concurrent check of the key is refused (the queue is not theirs to fill).
    expect(await check('guess-5', '198.51.100.5')).toBeInstanceOf(UnavailableError);
    // The known source is still checked, ahead of the suspect guesses (a new key after a rotation, say).
    const rotated = `scrypt$16384$8$1$${Buffer.from('CP-X-new'.padEnd(16, '.')).toString('base64')}$${right.toString('base64')}$text`;
    const attempt = verifier.attempt('CP-X', Buffer.from('right-key'), '203.0.113.10');
    expect(attempt.suspect).toBe(false);
    expect(await verifier.verify(rotated, attempt.password, attempt)).toBe(true);
    expect(release.length).toBeGreaterThan(0);
    await drain();
    expect(await Promise.all(pending)).toEqual([false, false, false, false]);
  });

  it('an IPv6 guesser counts as one source per /64: rotating addresses of its prefix gets one check at a time', async () => {
    const { check, release, drain } = setup();
    const first = check('guess-a', '2001:db8:1:2::a');
    await tick();
    expect(await check('guess-b', '2001:db8:1:2:ffff::b')).toBeInstanceOf(UnavailableError);
    expect(await check('guess-c', '2001:0db8:0001:0002:0:0:0:c')).toBeInstanceOf(UnavailableError);
    // Another /64 is another source.
    const other = check('guess-d', '2001:db8:1:3::d');
    await tick();
    expect(release.length).toBe(2);
    await drain();
    expect(await Promise.all([first, other])).toEqual([false, false]);
  });

  it('a check with no known source (admin API, closed socket) still runs one at a time per key', async () => {
    const { verifier, drain } = setup();
    const first = verifier.verify(stored, Buffer.from('guess-1'));
    await tick();
    await expect(verifier.verify(stored, Buffer.from('guess-2'))).rejects.toBeInstanceOf(UnavailableError);
    await drain();
    expect(await first).toBe(false);
  });
});

describe('GoodSources', () => {
  it('knows a pair for 24 h after its last success, forgets it on a failure, never knows the unknown source', () => {
    let now = 0;
    const good = new GoodSources(() => now);
    good.add('CP-1', '203.0.113.10');
    good.add('CP-1', '');
    expect(good.has('CP-1', '203.0.113.10')).toBe(true);
    expect(good.has('CP-1', '203.0.113.11')).toBe(false);
    expect(good.has('CP-2', '203.0.113.10')).toBe(false);
    expect(good.has('CP-1', '')).toBe(false);
    now += GOOD_SOURCE_MEMORY_MS;
    expect(good.has('CP-1', '203.0.113.10')).toBe(true);
    now += 1;
    expect(good.has('CP-1', '203.0.113.10')).toBe(false);
    good.add('CP-1', '203.0.113.10');
    good.forget('CP-1', '203.0.113.10');
    expect(good.has('CP-1', '203.0.113.10')).toBe(false);
  });

  it('remembers a bounded number of pairs, the oldest success going first', () => {
    const good = new GoodSources(() => 0);
    for (let i = 0; i <= MAX_GOOD_SOURCES; i++) good.add(`CP-${i}`, '203.0.113.10');
    expect(good.has('CP-0', '203.0.113.10')).toBe(false);
    expect(good.has('CP-1', '203.0.113.10')).toBe(true);
    expect(good.has(`CP-${MAX_GOOD_SOURCES}`, '203.0.113.10')).toBe(true);
  });

  it("keeps a few sources per identity: one station's key presented from ever new addresses (an IPv6 prefix) does not push out other chargers' pairs", () => {
    const good = new GoodSources(() => 0);
    good.add('CP-1', '203.0.113.10');
    for (let i = 0; i < MAX_GOOD_SOURCES; i++) good.add('CP-LEAKED', `2001:db8::${i.toString(16)}`);
    expect(good.has('CP-1', '203.0.113.10')).toBe(true);
    // The identity's newest sources are the ones kept.
    expect(good.has('CP-LEAKED', `2001:db8::${(MAX_GOOD_SOURCES - 1).toString(16)}`)).toBe(true);
    expect(good.has('CP-LEAKED', `2001:db8::${(MAX_GOOD_SOURCES - MAX_GOOD_SOURCES_PER_IDENTITY).toString(16)}`)).toBe(true);
    expect(good.has('CP-LEAKED', `2001:db8::${(MAX_GOOD_SOURCES - MAX_GOOD_SOURCES_PER_IDENTITY - 1).toString(16)}`)).toBe(false);
  });
});

describe('PasswordVerifier: a known address that fails', () => {
  it('is suspect again: a guesser sharing the charger\'s address gets one unsuspected guess per charger success', async () => {
    const { verifier, check, drain } = setup();
    expect(await check('right-key', '192.0.2.1')).toBe(true);
    expect(verifier.attempt('CP-X', Buffer.from('guess'), '192.0.2.1').suspect).toBe(false);
    const guess = check('guess-1', '192.0.2.1');
    await tick();
    await drain();
    expect(await guess).toBe(false);
    expect(verifier.attempt('CP-X', Buffer.from('guess'), '192.0.2.1')).toMatchObject({ known: false, suspect: true });
  });
});
