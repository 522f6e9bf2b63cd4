import { OcppCommandErrorCode } from '@cpo/contracts';
import { refusedByCharger } from './refused-plan.js';

describe('refusedByCharger: only an answer that says the charger did not take the profile', () => {
  it('a Rejected answer or a CallError is a refusal', () => {
    expect(refusedByCharger({ status: 'ok', payload: { status: 'Rejected' } })).toBe(true);
    expect(refusedByCharger({ status: 'error', code: 'NotSupported', description: 'no smart charging' })).toBe(true);
    expect(refusedByCharger({ status: 'ok', payload: { status: 'Accepted' } })).toBe(false);
  });

  it('a call whose outcome is unknown is not: the replica holding the socket not answering in time, or any reply saying the charger may have acted', () => {
    expect(refusedByCharger({ status: 'error', code: OcppCommandErrorCode.ReplicaTimeout, description: 'no answer from the replica holding CP-1 in time', mayHaveActed: true })).toBe(false);
    expect(refusedByCharger({ status: 'error', code: 'FormationViolation', description: 'a CALLRESULT breaking its schema', mayHaveActed: true })).toBe(false);
    expect(refusedByCharger({ status: 'error', code: OcppCommandErrorCode.Timeout, description: 'no answer' })).toBe(false);
  });
});
