import { loadOcppConfig } from './config.js';

const base = { DATABASE_URL: 'postgres://localhost/ocpp', NATS_URL: 'nats://localhost:4222', REDIS_URL: 'redis://localhost:6379' };

describe('ocpp config: the CA behind SignCertificate', () => {
  it('needs both CA files with OCPP_SIGN_CERTIFICATE=ca, and only then', () => {
    expect(() => loadOcppConfig({ ...base, OCPP_SIGN_CERTIFICATE: 'ca', OCPP_CA_KEY_FILE: '/k' })).toThrow(/OCPP_CA_CERT_FILE: required when OCPP_SIGN_CERTIFICATE=ca/);
    expect(() => loadOcppConfig({ ...base, OCPP_SIGN_CERTIFICATE: 'ca' })).toThrow(/OCPP_CA_KEY_FILE: required/);
    const c = loadOcppConfig({ ...base, OCPP_SIGN_CERTIFICATE: 'ca', OCPP_CA_CERT_FILE: '/c', OCPP_CA_KEY_FILE: '/k' });
    expect(c).toMatchObject({ OCPP_CA_CERT_FILE: '/c', OCPP_CA_KEY_FILE: '/k', OCPP_CA_CERT_VALIDITY_DAYS: 365 });
    expect(loadOcppConfig(base).OCPP_SIGN_CERTIFICATE).toBe('reject');
  });
});

describe('ocpp config: OCPP_PENDING_STATIONS_MAX', () => {
  it('defaults to 1,000, takes 0 (no bound), refuses negatives and non-numbers', () => {
    expect(loadOcppConfig(base).OCPP_PENDING_STATIONS_MAX).toBe(1_000);
    expect(loadOcppConfig({ ...base, OCPP_PENDING_STATIONS_MAX: '0' }).OCPP_PENDING_STATIONS_MAX).toBe(0);
    expect(() => loadOcppConfig({ ...base, OCPP_PENDING_STATIONS_MAX: '-1' })).toThrow(/OCPP_PENDING_STATIONS_MAX/);
    expect(() => loadOcppConfig({ ...base, OCPP_PENDING_STATIONS_MAX: 'many' })).toThrow(/OCPP_PENDING_STATIONS_MAX/);
  });
});

describe('ocpp config: OCPP_AUTH_MEMORY_SECRET', () => {
  const production = { ...base, NODE_ENV: 'production', OPERATOR_API_KEY: 'a-long-enough-operator-key' };

  it('is optional in production (unset: verified keys are not shared), a fixed dev value elsewhere, and at least 32 characters', () => {
    expect(loadOcppConfig(production).OCPP_AUTH_MEMORY_SECRET).toBeUndefined();
    expect(loadOcppConfig({ ...production, OCPP_AUTH_MEMORY_SECRET: 's'.repeat(32) }).OCPP_AUTH_MEMORY_SECRET).toBe('s'.repeat(32));
    expect(loadOcppConfig(base).OCPP_AUTH_MEMORY_SECRET).toMatch(/^dev-.{28,}$/);
    expect(() => loadOcppConfig({ ...production, OCPP_AUTH_MEMORY_SECRET: 'too-short' })).toThrow(/OCPP_AUTH_MEMORY_SECRET: must be at least 32 characters \(set \(hidden\)\)/);
  });

  it('refuses the published development value in production', () => {
    const dev = loadOcppConfig(base).OCPP_AUTH_MEMORY_SECRET!;
    expect(() => loadOcppConfig({ ...production, OCPP_AUTH_MEMORY_SECRET: dev })).toThrow(/OCPP_AUTH_MEMORY_SECRET: is the published development value/);
    expect(loadOcppConfig({ ...base, OCPP_AUTH_MEMORY_SECRET: dev }).OCPP_AUTH_MEMORY_SECRET).toBe(dev);
  });
});

describe('ocpp config: data retention', () => {
  it('keeps meter readings 400 days and charger messages 180 by default; 0 keeps everything', () => {
    expect(loadOcppConfig(base)).toMatchObject({ OCPP_METER_RETENTION_DAYS: 400, OCPP_MESSAGE_RETENTION_DAYS: 180 });
    expect(loadOcppConfig({ ...base, OCPP_METER_RETENTION_DAYS: '0', OCPP_MESSAGE_RETENTION_DAYS: '0' })).toMatchObject({ OCPP_METER_RETENTION_DAYS: 0, OCPP_MESSAGE_RETENTION_DAYS: 0 });
    expect(loadOcppConfig({ ...base, OCPP_METER_RETENTION_DAYS: '1', OCPP_MESSAGE_RETENTION_DAYS: '1' })).toMatchObject({ OCPP_METER_RETENTION_DAYS: 1, OCPP_MESSAGE_RETENTION_DAYS: 1 });
  });

  it.each(['OCPP_METER_RETENTION_DAYS', 'OCPP_MESSAGE_RETENTION_DAYS'])('refuses a negative, fractional, huge or non-numeric %s, naming it', (name) => {
    for (const value of ['-1', '1.5', '36501', 'year']) expect(() => loadOcppConfig({ ...base, [name]: value })).toThrow(new RegExp(name));
  });
});
