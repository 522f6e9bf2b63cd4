import { startRems, V1, type RemsTestApp } from './fixture.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('rems-ingest tokens: expiry, refresh rotation, revocation, reset, tenant isolation', () => {
  let t: RemsTestApp;
  beforeAll(async () => {
    t = await startRems();
  });
  afterAll(() => t?.close());

  const meter = (token: string) => t.call('POST', '/api/v1/meter', { token, body: { multi: 0, data: V1 } });
  const refresh = (refreshToken: string, tenantAlias: string) => t.call('POST', '/api/v1/device/auth/refresh-token', { body: { refreshToken, tenantAlias } });

  it('refuses missing and forged tokens', async () => {
    expect((await t.call('GET', '/api/v1/device/process')).body.error).toMatchObject({ status: 401, errorType: 'UNAUTHORIZED' });
    const device = await t.provision();
    const { tokens } = await t.connect(device);
    const [h, p] = tokens.accessToken.split('.');
    const forged = await t.call('GET', '/api/v1/device/process', { token: `${h}.${p}.${Buffer.from('x'.repeat(64)).toString('base64url')}` });
    expect(forged.body.error.errorType).toBe('UNAUTHORIZED');
    // A refresh token is not an access token, even though it is a valid JWT.
    expect((await t.call('GET', '/api/v1/device/process', { token: tokens.refreshToken })).body.error.errorType).toBe('UNAUTHORIZED');
  });

  it('expires access tokens after 1 h on the server clock, then the refresh token gives a new pair', async () => {
    const device = await t.provision();
    const { tokens } = await t.connect(device);
    expect((await meter(tokens.accessToken)).body).toEqual({ data: true });
    t.clock.advance(HOUR + 1000);
    const expired = await meter(tokens.accessToken);
    expect(expired.status).toBe(401);
    expect(expired.body.error.errorType).toBe('TOKEN_EXPIRED');
    const renewed = await refresh(tokens.refreshToken, device.tenantAlias);
    expect(renewed.status).toBe(200);
    expect(renewed.body.data).toMatchObject({ accessTokenExpirationTime: 3_600_000, refreshTokenExpirationTime: 604_800_000 });
    expect(renewed.body.data.refreshToken).not.toBe(tokens.refreshToken);
    expect((await meter(renewed.body.data.accessToken)).body).toEqual({ data: true });
  });

  it('rotates refresh tokens: the old one works within the grace period only', async () => {
    const device = await t.provision();
    const { tokens } = await t.connect(device);
    const first = await refresh(tokens.refreshToken, device.tenantAlias);
    expect(first.status).toBe(200);
    t.clock.advance(30_000);
    const lostAnswerRetry = await refresh(tokens.refreshToken, device.tenantAlias);
    expect(lostAnswerRetry.status).toBe(200);
    t.clock.advance(31_000);
    const reused = await refresh(tokens.refreshToken, device.tenantAlias);
    expect(reused.status).toBe(401);
    expect(reused.body.error.errorType).toBe('INVALID_REFRESH_TOKEN');
    expect((await refresh(first.body.data.refreshToken, device.tenantAlias)).status).toBe(200);
  });

  it('refuses a refresh token of another tenant, after 7 days, and garbage', async () => {
    const device = await t.provision();
    const { tokens } = await t.connect(device);
    expect((await refresh(tokens.refreshToken, 'another-tenant')).body.error.errorType).toBe('INVALID_REFRESH_TOKEN');
    expect((await refresh('not-a-jwt', device.tenantAlias)).body.error.errorType).toBe('INVALID_REFRESH_TOKEN');
    t.clock.advance(7 * DAY + 1000);
    const late = await refresh(tokens.refreshToken, device.tenantAlias);
    expect(late.status).toBe(401);
    expect(late.body.error.errorType).toBe('INVALID_REFRESH_TOKEN');
  });

  it('reset: only the device itself; afterwards ingest stops, tokens are revoked, and registration works again', async () => {
    const device = await t.provision();
    const other = await t.provision({ tenantAlias: device.tenantAlias });
    const { tokens } = await t.connect(device);
    const foreign = await t.call('POST', `/api/v1/device/register/${other.tenantAlias}/${other.serialId}`, { token: tokens.accessToken });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.errorType).toBe('FORBIDDEN');

    const reset = await t.call('POST', `/api/v1/device/register/${device.tenantAlias}/${device.serialId}`, { token: tokens.accessToken });
    expect(reset.body).toEqual({ data: true });
    const inactive = await meter(tokens.accessToken);
    expect(inactive.status).toBe(403);
    expect(inactive.body.error.errorType).toBe('DEVICE_INACTIVE');
    expect((await refresh(tokens.refreshToken, device.tenantAlias)).body.error.errorType).toBe('INVALID_REFRESH_TOKEN');

    const again = await t.connect(device);
    expect((await meter(again.tokens.accessToken)).body).toEqual({ data: true });
    // The pre-reset token stays dead even though the device is ACTIVE again.
    expect((await meter(tokens.accessToken)).body.error.errorType).toBe('UNAUTHORIZED');
    expect((await refresh(tokens.refreshToken, device.tenantAlias)).body.error.errorType).toBe('INVALID_REFRESH_TOKEN');
  });

  it('isolates tenants: another tenant\'s commands, updates and data are invisible', async () => {
    const a = await t.provision();
    const b = await t.provision();
    const ta = (await t.connect(a)).tokens.accessToken;
    const tb = (await t.connect(b)).tokens.accessToken;
    const command = await t.call('POST', '/api/v1/device/firmware/direct-process', { token: ta, body: {} });
    const id = command.body.data.id;
    expect((await t.call('GET', '/api/v1/device/process', { token: tb })).body).toEqual({ data: { data: [] } });
    const steal = await t.call('POST', '/api/v1/device/firmware/process', { token: tb, body: { id, status: 'CANCELLED' } });
    expect(steal.status).toBe(404);
    expect(steal.body.error.errorType).toBe('COMMAND_NOT_FOUND');
    expect((await t.call('GET', `/api/v1/device/firmware/update/${id}`, { token: tb })).body.error.errorType).toBe('COMMAND_NOT_FOUND');
    expect((await t.call('POST', `/api/v1/device/firmware/update/${id}`, { token: tb })).body.error.errorType).toBe('COMMAND_NOT_FOUND');
    expect((await meter(ta)).body).toEqual({ data: true });
    t.clock.advance(60_000);
    expect((await meter(ta)).body).toEqual({ data: true });
    expect((await t.call('POST', '/api/v1/meter/graph', { token: tb, body: {} })).body).toEqual({ data: { values: [] } });
    const resetOther = await t.call('POST', `/api/v1/device/register/${a.tenantAlias}/${a.serialId}`, { token: tb });
    expect(resetOther.body.error.errorType).toBe('FORBIDDEN');
    const stillThere = await t.call('GET', '/api/v1/device/process', { token: ta });
    expect(stillThere.body.data.data.map((c: { id: string }) => c.id)).toEqual([id]);
  });
});
