import { elmoRequestId, newToken, readRequestId, readTokenAuthorization, tokenAuthorization } from './headers.js';

describe('OSCP headers', () => {
  it('answers 401 for a missing Authorization and 403 for another scheme', () => {
    expect(readTokenAuthorization(undefined)).toMatchObject({ ok: false, status: 401 });
    expect(readTokenAuthorization('  ')).toMatchObject({ ok: false, status: 401 });
    expect(readTokenAuthorization('Bearer abc')).toMatchObject({ ok: false, status: 403 });
    expect(readTokenAuthorization('Token ')).toMatchObject({ ok: false, status: 403 });
    expect(readTokenAuthorization('Token abc')).toEqual({ ok: true, token: 'abc' });
  });

  it('adds the Token scheme only when missing', () => {
    expect(tokenAuthorization('abc')).toBe('Token abc');
    expect(tokenAuthorization('Token abc')).toBe('Token abc');
  });

  it('reads request ids and makes ELMO-shaped ones and tokens', () => {
    expect(readRequestId(undefined)).toBeUndefined();
    expect(readRequestId(' r1 ')).toBe('r1');
    expect(elmoRequestId()).toMatch(/^[0-9A-Z]{32}$/);
    expect(elmoRequestId()).not.toBe(elmoRequestId());
    expect(newToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
