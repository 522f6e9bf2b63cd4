import { UnavailableError } from '@cpo/platform';
import { CheckSlots, FAILURE_MEMORY_MS, MAX_RUNNING, MAX_SUSPECT_IDENTITIES, RecentFailures, MAX_WAITING, retryAfterSeconds, SUSPECT_SHARE } from './password-gate.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('CheckSlots', () => {
  /** A run that finishes when released, recording its class when it starts. */
  const harness = () => {
    const slots = new CheckSlots();
    const release: (() => void)[] = [];
    const started: string[] = [];
    const refused: boolean[] = [];
    const run = (suspect: boolean) =>
      slots
        .run(suspect, async () => {
          started.push(suspect ? 's' : 'h');
          await new Promise<void>((r) => release.push(r));
        })
        .catch((err: unknown) => (refused.push(suspect), err));
    return { slots, release, started, refused, run };
  };

  it('suspect checks hold at most a quarter of the waiting places: honest first checks still find room', async () => {
    const { slots, refused, run } = harness();
    for (let i = 0; i < 300; i++) void run(true);
    await tick();
    expect(slots.hasRoom(true)).toBe(false);
    expect(slots.hasRoom(false)).toBe(true);
    expect(refused.length).toBe(300 - 1 - MAX_WAITING / SUSPECT_SHARE);
    void run(false);
    await tick();
    expect(refused.filter((suspect) => !suspect)).toEqual([]);
  });

  it('runs at most one suspect check at once, and gives suspects only every fourth contested slot', async () => {
    const { release, started, run } = harness();
    for (let i = 0; i < 20; i++) void run(true);
    for (let i = 0; i < 20; i++) void run(false);
    await tick();
    expect(started).toEqual(['s', 'h']);
    for (let i = 0; i < 8; i++) {
      release.shift()!();
      await tick();
    }
    const suspects = started.filter((c) => c === 's').length;
    expect(suspects).toBeLessThanOrEqual(1 + Math.ceil(8 / SUSPECT_SHARE));
    expect(started.length).toBe(MAX_RUNNING + 8);
  });

  it('refuses an honest check only when all places are taken', async () => {
    const { slots, run } = harness();
    for (let i = 0; i < MAX_RUNNING + MAX_WAITING; i++) void run(false);
    await tick();
    expect(slots.hasRoom(false)).toBe(false);
    expect(slots.backlog).toBe(MAX_RUNNING + MAX_WAITING);
    expect(await run(false)).toBeInstanceOf(UnavailableError);
  });
});

describe('RecentFailures', () => {
  it('makes an identity suspect from its first failure until a success or 15 min quiet', () => {
    let now = 0;
    const failures = new RecentFailures(() => now);
    expect(failures.suspect('CP-1')).toBe(false);
    failures.failed('CP-1');
    expect(failures.suspect('CP-1')).toBe(true);
    expect(failures.suspect('CP-2')).toBe(false);
    now += FAILURE_MEMORY_MS;
    expect(failures.suspect('CP-1')).toBe(true);
    now += 1;
    expect(failures.suspect('CP-1')).toBe(false);
    failures.failed('CP-1');
    failures.succeeded('CP-1');
    expect(failures.suspect('CP-1')).toBe(false);
  });

  it('remembers a bounded number of identities, forgetting the oldest failure first', () => {
    const failures = new RecentFailures(() => 0);
    for (let i = 0; i <= MAX_SUSPECT_IDENTITIES; i++) failures.failed(`CP-${i}`);
    expect(failures.suspect('CP-0')).toBe(false);
    expect(failures.suspect('CP-1')).toBe(true);
    expect(failures.suspect(`CP-${MAX_SUSPECT_IDENTITIES}`)).toBe(true);
  });
});

describe('retryAfterSeconds', () => {
  it('is the backlog at the recent rate, clamped to 5–120 s, ±20 %', () => {
    expect(retryAfterSeconds(0, 10, 0.5)).toBe(5);
    expect(retryAfterSeconds(300, 10, 0.5)).toBe(30);
    expect(retryAfterSeconds(300, 10, 0)).toBe(24);
    expect(retryAfterSeconds(300, 10, 0.999)).toBe(36);
    expect(retryAfterSeconds(100_000, 10, 0.5)).toBe(120);
    expect(retryAfterSeconds(10, 0, 0.5)).toBe(100);
  });

  it('spreads the chargers refused together', () => {
    const answers = new Set(Array.from({ length: 50 }, (_, i) => retryAfterSeconds(600, 10, i / 50)));
    expect(answers.size).toBeGreaterThan(10);
  });
});
