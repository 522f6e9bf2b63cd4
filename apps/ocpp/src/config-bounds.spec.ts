import { loadOcppConfig } from './config.js';

const base = { DATABASE_URL: 'postgres://localhost/ocpp', NATS_URL: 'nats://localhost:4222', REDIS_URL: 'redis://localhost:6379' };
/** Node runs a timer longer than this after 1 ms instead (TimeoutOverflowWarning). */
const TIMER_MAX_MS = 2 ** 31 - 1;

describe('ocpp config: periods that become timers', () => {
  it.each([
    // Pings every 1 ms, and two "missed" pongs terminate every charger's socket within milliseconds of its upgrade.
    ['OCPP_PING_INTERVAL_MS', String(TIMER_MAX_MS + 1)],
    // A retry pass over every station's profiles every millisecond.
    ['OCPP_PROFILE_RETRY_MS', String(TIMER_MAX_MS + 1)],
    // Its last wait is 8 times it (a check asked again while the charger is still busy).
    ['OCPP_PROFILE_CHECK_RETRY_MS', '3600001'],
    // Refreshed every TTL/6: all presence records rewritten every millisecond.
    ['OCPP_PRESENCE_TTL_S', String(Math.ceil((TIMER_MAX_MS * 6) / 1000) + 1)],
  ])('refuses %s=%s at boot, naming it, rather than overflowing its timer', (name, value) => {
    expect(() => loadOcppConfig({ ...base, [name]: value })).toThrow(new RegExp(`${name}: Too big`));
  });

  it('keeps the defaults and the values tests and operators use', () => {
    const c = loadOcppConfig({ ...base, OCPP_PING_INTERVAL_MS: '0', OCPP_PROFILE_RETRY_MS: '3600000', OCPP_PRESENCE_TTL_S: '3' });
    expect(c).toMatchObject({ OCPP_PING_INTERVAL_MS: 0, OCPP_PROFILE_RETRY_MS: 3_600_000, OCPP_PRESENCE_TTL_S: 3 });
    expect(loadOcppConfig(base)).toMatchObject({ OCPP_PING_INTERVAL_MS: 30_000, OCPP_PROFILE_RETRY_MS: 30_000, OCPP_PRESENCE_TTL_S: 180, OCPP_PROFILE_CHECK_RETRY_MS: 60_000 });
    expect(loadOcppConfig({ ...base, OCPP_PROFILE_CHECK_RETRY_MS: '0' }).OCPP_PROFILE_CHECK_RETRY_MS).toBe(0);
  });
});
