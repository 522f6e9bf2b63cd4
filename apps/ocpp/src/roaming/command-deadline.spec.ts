import { OCPI_OWN_COMMAND_RESULT_DELIVERY_S, OCPI_OWN_COMMAND_TIMEOUT_S } from '@cpo/contracts';
import { OCPI_COMMAND_DEADLINE_S, OCPI_COMMAND_STALE_AFTER_S } from './command-deadline.js';

describe('OCPI command deadline (ocpp) against the timeout the hub announces', () => {
  it('ocpp acts on a command only within the announced timeout, with time left for the result to reach the eMSP', () => {
    expect(OCPI_COMMAND_DEADLINE_S + OCPI_OWN_COMMAND_RESULT_DELIVERY_S).toBeLessThanOrEqual(OCPI_OWN_COMMAND_TIMEOUT_S);
    expect(OCPI_COMMAND_DEADLINE_S).toBeGreaterThan(0);
  });

  it('a command is settled as stale only after any execution of it has ended', () => {
    expect(OCPI_COMMAND_STALE_AFTER_S).toBeGreaterThan(OCPI_COMMAND_DEADLINE_S);
  });
});
