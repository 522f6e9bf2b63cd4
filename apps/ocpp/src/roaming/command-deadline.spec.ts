import { OCPI_OWN_COMMAND_RESULT_DELIVERY_S, OCPI_OWN_COMMAND_TIMEOUT_S } from '@cpo/contracts';
import { OCPI_COMMAND_DEADLINE_S, OCPI_COMMAND_STALE_AFTER_S, ocpiCommandCallTimeoutMs, ocpiCommandMsLeft } from './command-deadline.js';

describe('OCPI command deadline (ocpp) against the timeout the hub announces', () => {
  it('ocpp acts on a command only within the announced timeout, with time left for the result to reach the eMSP', () => {
    expect(OCPI_COMMAND_DEADLINE_S + OCPI_OWN_COMMAND_RESULT_DELIVERY_S).toBeLessThanOrEqual(OCPI_OWN_COMMAND_TIMEOUT_S);
    expect(OCPI_COMMAND_DEADLINE_S).toBeGreaterThan(0);
  });

  it('a command is settled as stale only after any execution of it has ended', () => {
    expect(OCPI_COMMAND_STALE_AFTER_S).toBeGreaterThan(OCPI_COMMAND_DEADLINE_S);
  });
});

describe('ocpiCommandMsLeft', () => {
  const now = Date.parse('2026-12-06T10:00:00.000Z');
  it('is the deadline less the time since the command was requested, down to nothing', () => {
    expect(ocpiCommandMsLeft('2026-12-06T09:59:40.000Z', now)).toBe(OCPI_COMMAND_DEADLINE_S * 1000 - 20_000);
    expect(ocpiCommandMsLeft('2026-12-06T09:58:00.000Z', now)).toBeLessThanOrEqual(0);
  });

  it('never exceeds the deadline when the hub stamped the command ahead of our clock', () => {
    expect(ocpiCommandMsLeft('2026-12-06T10:02:00.000Z', now)).toBe(OCPI_COMMAND_DEADLINE_S * 1000);
  });
});

describe('ocpiCommandCallTimeoutMs', () => {
  it('is all the time left, in whole ms, within the deadline', () => {
    expect(ocpiCommandCallTimeoutMs(48_000.2)).toBe(48_001);
    expect(ocpiCommandCallTimeoutMs(0.3)).toBe(1);
    expect(ocpiCommandCallTimeoutMs(OCPI_COMMAND_DEADLINE_S * 1000 + 5_000)).toBe(OCPI_COMMAND_DEADLINE_S * 1000);
  });
});
