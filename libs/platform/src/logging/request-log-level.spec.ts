import { requestLogLevel } from './request-log.js';

describe('requestLogLevel', () => {
  it('logs a 5xx of this service at error', () => {
    for (const status of [500, 502, 503, 504]) expect(requestLogLevel(status, true, false)).toBe('error');
  });

  it("logs a 5xx relaying a remote party's outcome (a charger offline, silent or answering a CallError) at warn", () => {
    for (const status of [502, 503, 504]) expect(requestLogLevel(status, true, true)).toBe('warn');
    expect(requestLogLevel(503, false, true)).toBe('warn');
  });

  it('logs client errors and aborted responses at warn, the rest at info', () => {
    expect(requestLogLevel(404, true, false)).toBe('warn');
    expect(requestLogLevel(200, false, false)).toBe('warn');
    expect(requestLogLevel(200, true, false)).toBe('info');
    expect(requestLogLevel(200, true, true)).toBe('info');
  });
});
