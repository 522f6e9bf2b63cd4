import { loadOscpConfig } from './config.js';

describe('oscp configuration', () => {
  it('boots in development with no environment at all', () => {
    const config = loadOscpConfig({});
    expect(config).toMatchObject({ HTTP_PORT: 3001, OSCP_ADJUST_CUTOFF: '14:00', OSCP_ASSIGN_DEADLINE: '10:05', OSCP_REPLY_DEADLINE: '16:10', OSCP_HTTP_MAX_ATTEMPTS: 5 });
  });

  it('requires the public base URL and the token key in production, and validates times of day', () => {
    const prod = { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/oscp', NATS_URL: 'nats://n:4222', REDIS_URL: 'redis://r:6379', OPERATOR_API_KEY: 'a-very-long-operator-key' };
    expect(() => loadOscpConfig(prod)).toThrow(/OSCP_PUBLIC_BASE_URL/);
    expect(() => loadOscpConfig(prod)).toThrow(/OSCP_TOKEN_ENCRYPTION_KEY/);
    const full = { ...prod, OSCP_PUBLIC_BASE_URL: 'https://csms.example.com/oscp/fp/2.0', OSCP_TOKEN_ENCRYPTION_KEY: 'a-production-secret-key' };
    expect(loadOscpConfig(full).OSCP_PUBLIC_BASE_URL).toBe('https://csms.example.com/oscp/fp/2.0');
    expect(() => loadOscpConfig({ OSCP_ADJUST_CUTOFF: '25:00' })).toThrow(/OSCP_ADJUST_CUTOFF/);
  });
});
