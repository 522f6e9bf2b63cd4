import { commandRuleViolations, securityProfileRefusal } from './command-rules.js';

const station = (securityProfile: number, passwordHash: string | null = 'scrypt$…', pendingPasswordHash: string | null = null) => ({ securityProfile, passwordHash, pendingPasswordHash });

describe('SecurityProfile changes (whitepaper ed. 3)', () => {
  it('takes 0–2 in any key case; 3 and other values are refused as invalid', () => {
    const paths = (key: string, value: string) => commandRuleViolations('ChangeConfiguration', { key, value }).map((v) => v.path);
    expect(paths('SecurityProfile', '2')).toEqual([]);
    expect(paths('securityprofile', ' 1 ')).toEqual([]);
    expect(paths('SecurityProfile', '3')).toEqual(['/value']);
    expect(paths('SecurityProfile', '4')).toEqual(['/value']);
    expect(paths('SecurityProfile', 'high')).toEqual(['/value']);
    expect(paths('HeartbeatInterval', 'high')).toEqual([]);
  });

  it('is refused when the reconnection it causes could not be admitted', () => {
    expect(securityProfileRefusal('1', undefined, true)).toContain('no Basic-auth password');
    expect(securityProfileRefusal('1', station(0, null), true)).toContain('no Basic-auth password');
    expect(securityProfileRefusal('1', station(0, null, 'scrypt$…'), true)).toContain('pending');
    expect(securityProfileRefusal('2', station(1), false)).toContain('needs TLS');
    expect(securityProfileRefusal('1', station(2), true)).toContain('never lowered');
    expect(securityProfileRefusal('0', station(1), true)).toContain('never lowered');
  });

  it('goes out when the preconditions hold or nothing is raised', () => {
    expect(securityProfileRefusal('1', station(1), false)).toBeUndefined();
    expect(securityProfileRefusal('2', station(1), true)).toBeUndefined();
    expect(securityProfileRefusal('2', station(1, 'scrypt$…', 'scrypt$…'), true)).toBeUndefined();
    expect(securityProfileRefusal('0', station(0, null), false)).toBeUndefined();
  });
});
