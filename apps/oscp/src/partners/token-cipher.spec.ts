import { TokenCipher } from './token-cipher.js';

describe('TokenCipher', () => {
  it('round-trips and never stores the token in clear', () => {
    const cipher = new TokenCipher('k'.repeat(32));
    const stored = cipher.encrypt('T_elmo-secret');
    expect(stored).not.toContain('T_elmo-secret');
    expect(stored).not.toBe(cipher.encrypt('T_elmo-secret'));
    expect(cipher.decrypt(stored)).toBe('T_elmo-secret');
  });

  it('refuses another key, tampering and clear text', () => {
    const stored = new TokenCipher('one-key-one-key-one-key').encrypt('x');
    expect(() => new TokenCipher('another-key-another-key').decrypt(stored)).toThrow();
    expect(() => new TokenCipher('one-key-one-key-one-key').decrypt(`${stored.slice(0, -4)}AAAA`)).toThrow();
    expect(() => new TokenCipher('k').decrypt('plain')).toThrow(/not encrypted/);
  });
});
