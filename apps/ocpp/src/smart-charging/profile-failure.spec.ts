import { OcppCommandErrorCode, type OcppCommandReply } from '@cpo/contracts';
import { failureOf } from './profile-outcomes.js';

describe('failureOf a SetChargingProfile sent through the bus', () => {
  it("is a Timeout (outcome unknown) when the replica holding the socket did not answer in time, as the charger's own timeout was before ReplicaTimeout", () => {
    const reply: OcppCommandReply = { status: 'error', code: OcppCommandErrorCode.ReplicaTimeout, description: 'no answer from the replica holding CP-1 in time', mayHaveActed: true };
    expect(failureOf(reply)).toBe('Timeout');
  });

  it('is a Timeout, not Offline, when the socket closed after the profile was sent (the charger may hold it): the planner counts Offline as never delivered', () => {
    const sent: OcppCommandReply = { status: 'error', code: OcppCommandErrorCode.Offline, description: 'the station disconnected before answering', mayHaveActed: true };
    expect(failureOf(sent)).toBe('Timeout');
    const neverSent: OcppCommandReply = { status: 'error', code: OcppCommandErrorCode.Offline, description: 'station CP-1 is not connected' };
    expect(failureOf(neverSent)).toBe('Offline');
  });
});
