import { loadOcppConfig } from './config.js';

const base = { DATABASE_URL: 'postgres://localhost/ocpp', NATS_URL: 'nats://localhost:4222', REDIS_URL: 'redis://localhost:6379' };
const production = { ...base, NODE_ENV: 'production', OPERATOR_API_KEY: 'a-long-enough-operator-key' };

describe('ocpp config: OCPP_TRUSTED_PROXIES', () => {
  it('is empty by default in every environment: no X-Forwarded-For is believed', () => {
    expect(loadOcppConfig(base).OCPP_TRUSTED_PROXIES).toEqual([]);
    expect(loadOcppConfig(production).OCPP_TRUSTED_PROXIES).toEqual([]);
  });

  it('takes IPv4 and IPv6 addresses and CIDRs, comma-separated', () => {
    expect(loadOcppConfig({ ...base, OCPP_TRUSTED_PROXIES: '10.0.0.0/8, 192.0.2.7,FD00::/8' }).OCPP_TRUSTED_PROXIES).toEqual(['10.0.0.0/8', '192.0.2.7', 'fd00::/8']);
  });

  it('stops the start naming each entry that is not one', () => {
    expect(() => loadOcppConfig({ ...production, OCPP_TRUSTED_PROXIES: '10.0.0.0/8, 10.0.0.0/33, ingress' })).toThrow(
      /OCPP_TRUSTED_PROXIES: "10\.0\.0\.0\/33" is not an IP address or CIDR[^\n]*\n\s+- OCPP_TRUSTED_PROXIES: "ingress" is not an IP address or CIDR/,
    );
  });
});
