import { callOutcome } from './call-outcome.js';

describe('callOutcome', () => {
  it.each([
    [200, 1000, 'ok'],
    [201, 1000, 'ok'],
    [200, 2001, 'ocpi_error'],
    [200, 3001, 'ocpi_error'],
    [200, 4001, 'ocpi_error'],
    [404, 2004, 'ocpi_error'],
    [401, 2000, 'http_error'],
    [500, 3000, 'http_error'],
    [500, undefined, 'http_error'],
    [200, undefined, 'http_error'],
    [302, 1000, 'http_error'],
  ] as const)('HTTP %s with status %s → %s', (httpStatus, statusCode, expected) => {
    expect(callOutcome({ httpStatus, statusCode })).toBe(expected);
  });

  it('tells our timeout, an outer deadline, a cancellation and a network failure apart', () => {
    const error = new TypeError('fetch failed');
    expect(callOutcome({ error, ownTimeout: true })).toBe('timeout');
    expect(callOutcome({ error, ownTimeout: false })).toBe('network');
    const deadline = new AbortController();
    deadline.abort(new DOMException('deadline', 'TimeoutError'));
    expect(callOutcome({ error, ownTimeout: false, outerSignal: deadline.signal })).toBe('timeout');
    const cancel = new AbortController();
    cancel.abort();
    expect(callOutcome({ error, ownTimeout: false, outerSignal: cancel.signal })).toBeUndefined();
    expect(callOutcome({ error, ownTimeout: false, outerSignal: new AbortController().signal })).toBe('network');
  });
});
