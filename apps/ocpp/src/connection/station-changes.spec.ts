import { stationChangeOf } from './station-changes.js';

describe('stationChangeOf (a message on ocpp.session.station-changed)', () => {
  it('takes a change another replica announced', () => {
    const m = { stationId: 'CP-1', replicaId: 'r2', validationPolicy: 'lenient', registrationStatus: 'Rejected' };
    expect(stationChangeOf(m)).toEqual(m);
    expect(stationChangeOf({ stationId: 'CP-1', replicaId: 'r2', deleted: true })).toEqual({ stationId: 'CP-1', replicaId: 'r2', deleted: true });
    expect(stationChangeOf({ stationId: 'CP-1', replicaId: 'r2', credentialsChanged: true })).toEqual({ stationId: 'CP-1', replicaId: 'r2', credentialsChanged: true });
  });

  it('ignores anything else on the subject instead of applying it to a live session', () => {
    for (const m of [null, 'CP-1', [], { stationId: 'CP-1' }, { stationId: 1, replicaId: 'r2' }, { stationId: 'CP-1', replicaId: 'r2', validationPolicy: 'none' },
      { stationId: 'CP-1', replicaId: 'r2', registrationStatus: 'accepted' }, { stationId: 'CP-1', replicaId: 'r2', deleted: 'yes' },
      { stationId: 'CP-1', replicaId: 'r2', credentialsChanged: 1 }]) {
      expect(stationChangeOf(m)).toBeUndefined();
    }
  });
});
