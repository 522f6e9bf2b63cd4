import { jest } from '@jest/globals';
import { BootTriggers, TRIGGERED_BOOT_WINDOW_MS } from './boot-triggers.js';

/** Which BootNotification is the one we asked for with TriggerMessage (not a reboot). */
describe('BootTriggers', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('a boot on the connection after the charger accepted the trigger is the triggered one, once', async () => {
    const t = new BootTriggers();
    t.sending('c1');
    t.answered('c1', true);
    expect(await t.takeFor('c1')).toBe(true);
    expect(await t.takeFor('c1')).toBe(false);
  });

  it('a boot on another connection, after a refusal, or after the window is a reboot', async () => {
    const t = new BootTriggers();
    t.sending('c1');
    t.answered('c1', true);
    expect(await t.takeFor('c2')).toBe(false);
    t.sending('c3');
    t.answered('c3', false);
    expect(await t.takeFor('c3')).toBe(false);
    jest.advanceTimersByTime(TRIGGERED_BOOT_WINDOW_MS + 1);
    expect(await t.takeFor('c1')).toBe(false);
  });

  it('a boot while the answer is in flight waits for it', async () => {
    const t = new BootTriggers();
    t.sending('c1');
    const taken = t.takeFor('c1');
    t.answered('c1', true);
    expect(await taken).toBe(true);
  });

  it('a boot whose trigger stays unanswered is a reboot after a bounded wait, and leaves the trigger', async () => {
    const t = new BootTriggers();
    t.sending('c1');
    const taken = t.takeFor('c1', 100);
    jest.advanceTimersByTime(100);
    expect(await taken).toBe(false);
    t.answered('c1', true);
    expect(await t.takeFor('c1')).toBe(true);
  });

  it('forgets triggers whose window is over when the next one is sent', () => {
    const t = new BootTriggers();
    t.sending('c1');
    t.answered('c1', true);
    t.sending('c2');
    jest.advanceTimersByTime(3 * TRIGGERED_BOOT_WINDOW_MS);
    t.sending('c3');
    expect(t.size).toBe(1);
  });
});

/** Several BootNotification triggers on one connection: each its own, one boot takes one accepted. */
describe('BootTriggers: per trigger on a connection', () => {
  afterEach(() => jest.useRealTimers());

  it.each(['refused', 'unanswered'])('an accepted trigger no boot took yet survives a newer one sent (then %s)', async (newerAnswer) => {
    const t = new BootTriggers();
    const older = {};
    const newer = {};
    t.sending('c1', older);
    t.answered('c1', true, older);
    t.sending('c1', newer);
    if (newerAnswer === 'refused') t.answered('c1', false, newer);
    expect(await t.takeFor('c1', 20)).toBe(true);
    expect(await t.takeFor('c1', 20)).toBe(false);
  });

  it('two accepted triggers: two boots are the triggered ones', async () => {
    const t = new BootTriggers();
    const older = {};
    const newer = {};
    t.sending('c1', older);
    t.sending('c1', newer);
    t.answered('c1', true, older);
    t.answered('c1', true, newer);
    expect(await t.takeFor('c1', 20)).toBe(true);
    expect(await t.takeFor('c1', 20)).toBe(true);
    expect(await t.takeFor('c1', 20)).toBe(false);
  });

  it('a boot waits for the triggers in flight, not beyond the first acceptance nor the last refusal', async () => {
    const t = new BootTriggers();
    const a = {};
    const b = {};
    t.sending('c1', a);
    t.sending('c1', b);
    const taken = t.takeFor('c1', 10_000);
    t.answered('c1', false, a);
    t.answered('c1', false, b);
    expect(await taken).toBe(false);
  });

  it('an accepted trigger keeps its own window (TRIGGERED_BOOT_WINDOW_MS from its acceptance)', async () => {
    jest.useFakeTimers();
    const t = new BootTriggers();
    const older = {};
    t.sending('c1', older);
    t.answered('c1', true, older);
    t.sending('c1', {});
    jest.advanceTimersByTime(TRIGGERED_BOOT_WINDOW_MS + 1);
    const taken = t.takeFor('c1', 100);
    jest.advanceTimersByTime(100);
    expect(await taken).toBe(false);
  });
});
