import { isNewerClaim, parseClaim } from './session-claims.js';

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('session claims', () => {
  it('orders two claims the same way whichever replica compares them: the greater claim, then the connection id', () => {
    const a = { claim: 1_733_570_000_001, connectionId: 'b-conn' };
    const b = { claim: 1_733_570_000_002, connectionId: 'a-conn' };
    expect([isNewerClaim(a, b), isNewerClaim(b, a)]).toEqual([false, true]);
    const tieA = { claim: 5, connectionId: 'a' };
    const tieB = { claim: 5, connectionId: 'b' };
    expect([isNewerClaim(tieA, tieB), isNewerClaim(tieB, tieA)]).toEqual([false, true]);
  });

  it('takes a claim without an order (from an older replica) as the newer connection', () => {
    expect(isNewerClaim({ connectionId: 'a' }, { claim: 9, connectionId: 'b' })).toBe(true);
  });

  it('reads a claim and refuses what is not one', () => {
    const claim = { stationId: 'CP-1', connectionId: 'c1', replicaId: 'replica-a', claim: 7 };
    expect(parseClaim(encode(claim))).toEqual(claim);
    expect(parseClaim(encode({ stationId: 'CP-1', connectionId: 'c1', replicaId: 'replica-a' }))).toEqual({ stationId: 'CP-1', connectionId: 'c1', replicaId: 'replica-a' });
    expect(() => parseClaim(encode({ stationId: 'CP-1', connectionId: 'c1' }))).toThrow('not a session claim');
    expect(() => parseClaim(encode({ ...claim, claim: '7' }))).toThrow('not a session claim');
    expect(() => parseClaim(new TextEncoder().encode('{'))).toThrow();
  });
});
