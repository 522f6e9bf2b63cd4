import { jest } from '@jest/globals';
import { TRIGGER_WINDOW_MS, TriggeredActions } from './triggered-actions.js';

/** Which messages a station's connection was asked for with TriggerMessage, per ask. */
describe('TriggeredActions: several asks for one action', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it("a newer ask's refusal keeps the window an older, accepted ask still needs", () => {
    const triggered = new TriggeredActions();
    const older = {};
    const newer = {};
    triggered.expect('StatusNotification', true, older);
    triggered.expect('StatusNotification', true, newer);
    triggered.expect('StatusNotification', false, newer);
    expect(triggered.admits('StatusNotification')).toBe(true);
    triggered.expect('StatusNotification', false, older);
    expect(triggered.admits('StatusNotification')).toBe(false);
  });

  it("each ask's window ends TRIGGER_WINDOW_MS after it was opened", () => {
    const triggered = new TriggeredActions();
    triggered.expect('Heartbeat', true, {});
    jest.advanceTimersByTime(TRIGGER_WINDOW_MS / 2);
    const newer = {};
    triggered.expect('Heartbeat', true, newer);
    jest.advanceTimersByTime(TRIGGER_WINDOW_MS / 2 + 1);
    expect(triggered.admits('Heartbeat')).toBe(true);
    triggered.expect('Heartbeat', false, newer);
    expect(triggered.admits('Heartbeat')).toBe(false);
  });

  it('the same ask sent again reopens its own window, once', () => {
    const triggered = new TriggeredActions();
    const ask = {};
    triggered.expect('Heartbeat', true, ask);
    jest.advanceTimersByTime(TRIGGER_WINDOW_MS - 1);
    triggered.expect('Heartbeat', true, ask);
    jest.advanceTimersByTime(2);
    expect(triggered.admits('Heartbeat')).toBe(true);
    triggered.expect('Heartbeat', false, ask);
    expect(triggered.admits('Heartbeat')).toBe(false);
  });

  it('a refusal without its ask closes every window of the action; other actions keep theirs', () => {
    const triggered = new TriggeredActions();
    triggered.expect('Heartbeat', true, {});
    triggered.expect('Heartbeat', true, {});
    triggered.expect('MeterValues', true, {});
    triggered.expect('Heartbeat', false);
    expect(triggered.admits('Heartbeat')).toBe(false);
    expect(triggered.admits('MeterValues')).toBe(true);
  });

  it('keeps a bounded number of windows per action: the newest asks', () => {
    const triggered = new TriggeredActions();
    const asks = Array.from({ length: 100 }, () => ({}));
    for (const ask of asks) triggered.expect('Heartbeat', true, ask);
    // The oldest were let go: refusing all the newest closes the action.
    for (const ask of asks.slice(-10)) triggered.expect('Heartbeat', false, ask);
    expect(triggered.admits('Heartbeat')).toBe(false);
  });
});
