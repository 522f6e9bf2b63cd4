import { compareStorms, refusalOf, retryDelayMs, RETRY_MAX_MS, RETRY_MIN_MS } from './reconnect-figures.js';

const storm = (seconds: number, cpuS: number, connected = 2_000) => ({ seconds, connected, scryptRuns: 0, cpuS });

describe('part 1a of the OCPP benchmark', () => {
  it('retries after 1–5 s, spread by the random draw', () => {
    expect(retryDelayMs(0)).toBe(RETRY_MIN_MS);
    expect(retryDelayMs(0.5)).toBe(3_000);
    expect(retryDelayMs(0.999_999)).toBeLessThan(RETRY_MAX_MS);
    // Out-of-range draws stay within the bounds.
    expect(retryDelayMs(-1)).toBe(RETRY_MIN_MS);
    expect(retryDelayMs(2)).toBe(RETRY_MAX_MS);
  });

  it('tells refusals by their HTTP status, and anything else apart', () => {
    expect(refusalOf(new Error('HTTP 503'))).toBe('503');
    expect(refusalOf(new Error('HTTP 401'))).toBe('401');
    expect(refusalOf(new Error('socket hang up'))).toBe('error');
    expect(refusalOf(new Error('HTTP 5033'))).toBe('error');
    expect(refusalOf(undefined)).toBe('error');
  });

  it('compares the storms without and with shared memory', () => {
    expect(compareStorms(storm(50, 40), storm(2, 1))).toEqual({ time: 25, cpu: 40 });
    // A storm in which chargers gave up is not the same fleet reconnecting.
    expect(compareStorms(storm(600, 300, 1_990), storm(2, 1))).toEqual({});
    expect(compareStorms(storm(5, 1), storm(0, 0))).toEqual({ time: undefined, cpu: undefined });
  });
});
