import { streamForSubject } from '@cpo/contracts';
import { OCPP_SESSION_CLAIMED_SUBJECT } from './session-registry.js';
import { OCPP_STATION_CHANGED_SUBJECT } from './station-changes.js';

/**
 * The core NATS notices between ocpp replicas are not events: a stream capturing one would store
 * every notice for a week and hand it to the other services' consumers of `ocpp.>` (the planner's),
 * which would dead-letter each as an unknown subject (an error log and a dead letter per operator change).
 */
describe('subjects of the notices between ocpp replicas', () => {
  it.each([OCPP_STATION_CHANGED_SUBJECT, OCPP_SESSION_CLAIMED_SUBJECT])('%s is captured by no JetStream stream', (subject) => {
    expect(() => streamForSubject(subject)).toThrow(/no stream captures/);
  });
});
