import { outcomeChange, supersedes, type ConnectorOutcome } from './plan-outcome.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 10, 0, s)).toISOString();
const applied = (s: number): ConnectorOutcome => ({ kind: 'applied', at: at(s) });
const failed = (s: number): ConnectorOutcome => ({ kind: 'failed', at: at(s) });
const offline = (s: number): ConnectorOutcome => ({ kind: 'offline', at: at(s) });

describe('a connector counts by its latest outcome of the plan', () => {
  it('an applied after a Timeout (accepted after the timeout) ends the failure', () => {
    expect(outcomeChange({ '1': failed(10) }, 1, applied(12))).toEqual({ outcome: applied(12), failed: -1, offlineFailed: 0 });
  });

  it('an applied after an Offline failure (a reconnect re-sent the plan) ends both counts', () => {
    expect(outcomeChange({ '1': offline(10) }, 1, applied(12))).toEqual({ outcome: applied(12), failed: -1, offlineFailed: -1 });
  });

  it('an older failure delivered after a newer applied changes nothing', () => {
    expect(outcomeChange({ '1': applied(12) }, 1, failed(10))).toEqual({ failed: 0, offlineFailed: 0 });
  });

  it('a newer failure after an applied (a check finds it not obeyed) fails the plan', () => {
    expect(outcomeChange({ '1': applied(10) }, 1, failed(12))).toEqual({ outcome: failed(12), failed: 1, offlineFailed: 0 });
  });

  it("an Offline failure never supersedes the charger's answer, whatever its time; a charger's answer always supersedes it", () => {
    expect(supersedes(applied(10), offline(12))).toBe(false);
    expect(supersedes(failed(10), offline(12))).toBe(false);
    expect(supersedes(offline(12), applied(10))).toBe(true);
    expect(outcomeChange({ '1': offline(12) }, 1, failed(10))).toEqual({ outcome: failed(10), failed: 0, offlineFailed: -1 });
  });

  it('a first answer counts; other connectors and failures counted before outcomes were kept are untouched', () => {
    expect(outcomeChange({}, 0, offline(10))).toEqual({ outcome: offline(10), failed: 1, offlineFailed: 1 });
    expect(outcomeChange({ '0': failed(10) }, 1, applied(12))).toEqual({ outcome: applied(12), failed: 0, offlineFailed: 0 });
  });

  it('at the same instant the later delivered wins', () => {
    expect(supersedes(failed(10), applied(10))).toBe(true);
    expect(supersedes(applied(10), failed(10))).toBe(true);
  });
});
