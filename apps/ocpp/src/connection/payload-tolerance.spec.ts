import { tolerate16 } from './payload-tolerance.js';

const all = { zones: true, enums: true };

describe('tolerate16', () => {
  it('gives enum values their canonical case through nested objects, arrays and $ref definitions', () => {
    expect(tolerate16('response', 'CertificateSigned', { status: 'accepted' }, all)).toEqual({ payload: { status: 'Accepted' }, adjusted: ['/status "accepted" → "Accepted"'] });
    const got = tolerate16('response', 'GetConfiguration', { configurationKey: [{ key: 'A', readonly: true }] }, all);
    expect(got.adjusted).toEqual([]);
    const sampled = tolerate16('request', 'MeterValues', { connectorId: 1, meterValue: [{ timestamp: '2026-01-01T10:00:00', sampledValue: [{ value: '1', unit: 'kwh' }] }] }, all);
    expect(sampled.payload).toEqual({ connectorId: 1, meterValue: [{ timestamp: '2026-01-01T10:00:00Z', sampledValue: [{ value: '1', unit: 'kWh' }] }] });
    expect(sampled.adjusted).toHaveLength(2);
  });

  it('leaves values outside the enum, unknown properties and other policies\' options alone, never mutating the input', () => {
    const payload = { status: 'Maybe', extra: 'accepted' };
    expect(tolerate16('response', 'ChangeConfiguration', payload, all)).toEqual({ payload, adjusted: [] });
    const odd = { connectorId: 1, status: 'available', errorCode: 'NoError', timestamp: '2026-01-01T10:00:00' };
    expect(tolerate16('request', 'StatusNotification', odd, { zones: true, enums: false }).payload).toEqual({ ...odd, timestamp: '2026-01-01T10:00:00Z' });
    expect(odd.timestamp).toBe('2026-01-01T10:00:00');
    expect(tolerate16('request', 'NoSuchAction', odd, all)).toEqual({ payload: odd, adjusted: [] });
  });
});

describe('tolerate16 with hostile keys', () => {
  it('keeps a `__proto__` key as an own property of the copy', () => {
    const payload = JSON.parse('{"status":"accepted","__proto__":{"x":1}}') as Record<string, unknown>;
    const got = tolerate16('response', 'ChangeConfiguration', payload as never, all);
    expect(Object.keys(got.payload)).toEqual(['status', '__proto__']);
    expect(Object.getPrototypeOf(got.payload)).toBe(Object.prototype);
  });
});
