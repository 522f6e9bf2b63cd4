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
