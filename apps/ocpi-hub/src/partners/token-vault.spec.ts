import { TokenVault } from './token-vault.js';

describe('TokenVault', () => {
  const vault = new TokenVault('a-test-secret-that-is-long-enough-0123');

  it('round-trips a token through encryption with a fresh IV each time', () => {
    const sealed1 = vault.encrypt('token-b');
    const sealed2 = vault.encrypt('token-b');
    expect(sealed1).not.toBe(sealed2);
    expect(vault.decrypt(sealed1)).toBe('token-b');
  });

  it('indexes deterministically and differently per secret', () => {
    expect(vault.index('x')).toBe(vault.index('x'));
    expect(new TokenVault('another-secret-that-is-long-enough-012').index('x')).not.toBe(vault.index('x'));
  });

  it('rejects a tampered ciphertext', () => {
    const sealed = Buffer.from(vault.encrypt('token-b'), 'base64');
    sealed[sealed.length - 1] ^= 1;
    expect(() => vault.decrypt(sealed.toString('base64'))).toThrow();
  });

  it('issues URL-safe tokens of at least 32 bytes', () => {
    const t = vault.newToken();
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
