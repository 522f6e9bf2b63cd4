import { acceptingAnswers, TestCsms } from '@cpo/ocpp-chargepoint';
import { Fleet, refusalHint, sessionToken, type FleetOptions } from './fleet.js';

const options = (url: string, over: Partial<FleetOptions>): FleetOptions => ({
  url, count: 2, idPattern: 'SIM-{n}', station: { connectors: 1 }, meterIntervalS: 3600, sessionEveryS: 0.05, sessionMinutes: 0.002, evMaxKw: 11, rampMs: 0, durationS: 1.2, ...over,
});

describe('fleet sessions', () => {
  let csms: TestCsms;
  let url: string;
  beforeEach(async () => {
    csms = new TestCsms();
    csms.onCall = acceptingAnswers();
    url = await csms.start();
  });
  afterEach(() => csms.stop());

  it('gives every station a valid token: TAG-<identity>, or a stable hash of it when that is over 20 characters', () => {
    expect(sessionToken('SIM-0001')).toBe('TAG-SIM-0001');
    expect(sessionToken('CP-0123456789ABC')).toBe('TAG-CP-0123456789ABC'); // 20 exactly
    const long = sessionToken('EXPLORATORY-LONGNAME-0001');
    expect(long).toMatch(/^TAG-[0-9a-f]{16}$/);
    expect(sessionToken('EXPLORATORY-LONGNAME-0001')).toBe(long);
    expect(sessionToken('EXPLORATORY-LONGNAME-0002')).not.toBe(long);
    // Connector 2 on: a token of its own (one token cannot run two sessions at once: ConcurrentTx).
    expect(sessionToken('SIM-0001', 1)).toBe('TAG-SIM-0001');
    expect(sessionToken('SIM-0001', 2)).toBe('TAG-SIM-0001-2');
    expect(sessionToken('EXPLORATORY-LONGNAME-0001', 2)).toMatch(/^TAG-[0-9a-f]{16}$/);
    expect(sessionToken('EXPLORATORY-LONGNAME-0001', 2)).not.toBe(long);
  });

  it('starts a second session on a second connector under its own token, so a charger with two connectors charges two cars', async () => {
    const report = await new Fleet(options(url, { count: 1, station: { connectors: 2 }, sessionEveryS: 0.02, sessionMinutes: 0.01 })).run();
    expect(report.errors).toBe(0);
    const starts = csms.received.filter((f) => f[0] === 2 && f[2] === 'StartTransaction').map((f) => f[3] as { connectorId: number; idTag: string });
    expect(new Set(starts.map((s) => `${s.connectorId}:${s.idTag}`))).toEqual(new Set(['1:TAG-SIM-0001', '2:TAG-SIM-0001-2']));
  });

  it('runs sessions with long station identities, without errors', async () => {
    const report = await new Fleet(options(url, { idPattern: 'EXPLORATORY-LONGNAME-{n}' })).run();
    expect(report).toMatchObject({ errors: 0, errorsByKind: {}, authorizationsRefused: 0 });
    expect(report.sessionsStarted).toBeGreaterThan(2);
    const tags = csms.received.filter((f) => f[0] === 2 && f[2] === 'Authorize').map((f) => (f[3] as { idTag: string }).idTag);
    expect(new Set(tags)).toEqual(new Set([sessionToken('EXPLORATORY-LONGNAME-0001'), sessionToken('EXPLORATORY-LONGNAME-0002')]));
  });

  it('reports failed starts by kind, and later sessions still start on the same connector', async () => {
    const accept = acceptingAnswers();
    let refusals = 2;
    csms.onCall = (action) => (action === 'StartTransaction' && refusals-- > 0 ? ['InternalError', 'database down'] : accept(action));
    const report = await new Fleet(options(url, { count: 1 })).run();
    expect(report.errors).toBe(2);
    expect(report.errorsByKind).toEqual({ 'StartTransaction: InternalError': { count: 2, example: 'InternalError: database down' } });
    expect(report.sessionsStarted).toBeGreaterThan(0);
  });

  it('counts refused authorizations, and says which tokens to create when every one was refused', async () => {
    const accept = acceptingAnswers();
    csms.onCall = (action) => (action === 'Authorize' ? { idTagInfo: { status: 'Invalid' } } : accept(action));
    const fleet = new Fleet(options(url, {}));
    const report = await fleet.run();
    expect(report).toMatchObject({ sessionsStarted: 0, errors: 0 });
    expect(report.authorizationsRefused).toBeGreaterThan(1);
    const hint = refusalHint(report, fleet.tokens());
    expect(hint).toContain('TAG-SIM-0001');
    expect(hint).toContain('TAG-SIM-0002');
    expect(hint).toContain('PUT /api/v1/id-tags/');
    expect(refusalHint({ ...report, sessionsStarted: 1 }, fleet.tokens())).toBeUndefined();
    expect(refusalHint({ ...report, authorizationsRefused: 0 }, fleet.tokens())).toBeUndefined();
  });
});
