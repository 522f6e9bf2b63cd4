import { MAX_OCPP_COMMAND_TIMEOUT_MS, OCPI_OWN_COMMAND_RESULT_DELIVERY_S, OCPI_OWN_COMMAND_TIMEOUT_S } from '@cpo/contracts';

/**
 * How long after an OCPI command was requested (its `requestedAt`) a replica may still act on it,
 * in s: the timeout the hub announced to the eMSP, less the time the result needs to reach the
 * eMSP. A command that only arrives after it (ocpp was down, its consumer lagged) is answered
 * `TIMEOUT` without reaching the charger, and one that arrives before gets only the time left at
 * the charger: the eMSP has given up by then (and may have retried), and a late start or unlock
 * would act twice, or for a driver who has left (another car's cable unlocked).
 */
export const OCPI_COMMAND_DEADLINE_S = OCPI_OWN_COMMAND_TIMEOUT_S - OCPI_OWN_COMMAND_RESULT_DELIVERY_S;

/**
 * Pending for longer than this after it was received (s), a command is executing nowhere: its
 * charger call ended by the deadline; the wait for a charger on another replica (the bus margin,
 * 5 s) and writing the result (retried after 1 s and 5 s) fit in the 30 s added. It is then settled
 * `TIMEOUT` (StaleOcpiCommands), so the partner hears an outcome from us too.
 */
export const OCPI_COMMAND_STALE_AFTER_S = OCPI_COMMAND_DEADLINE_S + 30;

/**
 * How long a replica may still act on a command requested at `requestedAt` (the hub's clock), in ms.
 * A `requestedAt` ahead of our clock (the hub's clock runs fast) counts as now: taken as it is, the
 * command would get more than the deadline, and with a long charger timeout run past the eMSP's
 * timeout and past OCPI_COMMAND_STALE_AFTER_S, when the stale pass settles it TIMEOUT under it.
 */
export function ocpiCommandMsLeft(requestedAt: string, now = Date.now()): number {
  return OCPI_COMMAND_DEADLINE_S * 1000 - Math.max(0, now - Date.parse(requestedAt));
}

/**
 * The charger call's timeout for a command with `msLeft` (> 0) before its deadline: all of it, not
 * the station default (OCPP_CALL_TIMEOUT_MS, 30 s), which gave up on the charger with 20 s of the
 * deadline left and reported TIMEOUT for a command the charger could still have answered in time.
 * The deadline already keeps the result's way back to the eMSP (OCPI_OWN_COMMAND_RESULT_DELIVERY_S).
 * A whole number of ms (the bus contract's), at most the contract's bound on any call.
 */
export function ocpiCommandCallTimeoutMs(msLeft: number): number {
  return Math.min(Math.max(1, Math.ceil(msLeft)), OCPI_COMMAND_DEADLINE_S * 1000, MAX_OCPP_COMMAND_TIMEOUT_MS);
}
