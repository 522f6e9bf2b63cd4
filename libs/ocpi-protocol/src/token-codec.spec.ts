import { authorizationHeader, decodeBase64Token, defaultTokenEncoding, parseAuthorizationHeader, tokenCandidates } from './token-codec.js';

describe('token codec', () => {
  it('reads the token of an Authorization header, case-insensitively, and rejects other schemes', () => {
    expect(parseAuthorizationHeader('Token abc-123')).toBe('abc-123');
    expect(parseAuthorizationHeader('token abc')).toBe('abc');
    expect(parseAuthorizationHeader('Bearer abc')).toBeUndefined();
    expect(parseAuthorizationHeader('Token')).toBeUndefined();
    expect(parseAuthorizationHeader(undefined)).toBeUndefined();
  });

  it('offers the raw value first and the Base64-decoded value second', () => {
    const encoded = Buffer.from('my-secret-token', 'utf8').toString('base64');
    expect(tokenCandidates(`Token ${encoded}`)).toEqual([
      { token: encoded, encoding: 'plain' },
      { token: 'my-secret-token', encoding: 'base64' },
    ]);
    expect(tokenCandidates('Token not_base64!')).toEqual([{ token: 'not_base64!', encoding: 'plain' }]);
    expect(tokenCandidates(undefined)).toEqual([]);
  });

  it('does not decode non-canonical Base64 or binary content', () => {
    expect(decodeBase64Token('abc')).toBeUndefined();
    expect(decodeBase64Token(Buffer.from([0xff, 0xfe, 0x00, 0x01]).toString('base64'))).toBeUndefined();
    expect(decodeBase64Token(Buffer.from('a b', 'utf8').toString('base64'))).toBeUndefined();
    expect(decodeBase64Token('dGVzdA==')).toBe('test');
  });

  it('encodes outbound tokens per flag, Base64 by default on 2.2.1 and plain on 2.1.1', () => {
    expect(authorizationHeader('tok', 'plain')).toBe('Token tok');
    expect(authorizationHeader('tok', 'base64')).toBe('Token dG9r');
    expect(defaultTokenEncoding('2.2.1')).toBe('base64');
    expect(defaultTokenEncoding('2.1.1')).toBe('plain');
  });
});
