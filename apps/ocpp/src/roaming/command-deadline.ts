/**
 * How long after an OCPI command a replica may still act on it, in s: twice the charger call
 * timeout (queueing behind another call counts within it) plus a minute for the bus and retries.
 * Past it, a command still pending is settled `TIMEOUT` (StaleOcpiCommands), and one that only
 * arrives now (ocpp was down, its consumer lagged) is answered `TIMEOUT` without reaching the
 * charger: the eMSP has given up on it long ago, and a late start or unlock would act for a driver
 * who has left (another car's cable unlocked, another car charged on the token).
 */
export function ocpiCommandDeadlineS(callTimeoutMs: number): number {
  return Math.ceil((2 * callTimeoutMs) / 1000) + 60;
}
