import { commandRuleViolations } from './command-rules.js';

const change = (key: string, value: string) => commandRuleViolations('ChangeConfiguration', { key, value });

describe('ChangeConfiguration AuthorizationKey: a Basic-auth password of 16–40 characters (whitepaper ed. 3)', () => {
  it('refuses a key that is empty, shorter than 16 or longer than 40 characters, in any spelling of the key name', () => {
    for (const value of ['', 'short', 'x'.repeat(15), 'a'.repeat(41), '0'.repeat(64)]) {
      expect(change('AuthorizationKey', value)).toEqual([expect.objectContaining({ path: '/value', params: { minLength: 16, maxLength: 40 } })]);
      expect(change('authorizationkey', value)).toHaveLength(1);
    }
  });

  it('takes 16 to 40 characters (a 20-byte key as 40 hex digits), and never echoes the key in the message', () => {
    for (const value of ['x'.repeat(16), '0123456789abcdef0123456789abcdef', 'ab'.repeat(20), 'pass:word with spaces!']) expect(change('AuthorizationKey', value)).toEqual([]);
    expect(JSON.stringify(change('AuthorizationKey', 'secret-but-short'.slice(0, 12)))).not.toContain('secret-but-');
  });

  it('leaves other keys alone', () => {
    expect(change('HeartbeatInterval', '')).toEqual([]);
  });
});
