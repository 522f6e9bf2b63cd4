/**
 * Switches that make the simulator behave like non-compliant chargers seen in
 * the field (ocpp16.md §1.10, §3.1), to test the central system against them.
 */
export interface Quirks {
  /** Answer every ChargePointMaxProfile with Rejected. */
  refuseChargePointMaxProfile?: boolean;
  /** Accept only stackLevel 0. */
  onlyStackLevelZero?: boolean;
  /** Validate `limit` with the naive `x / 0.1` integer test (refuses 8.1, 16.2, …). */
  naiveMultipleOf?: boolean;
  /** Send timestamps without the `Z` (local time notation), which strict validation refuses. */
  timestampsWithoutZ?: boolean;
  /** Offer `ocpp1.6.0` instead of `ocpp1.6`, or no subprotocol at all. */
  subprotocol?: 'ocpp1.6.0' | 'none';
}

/** The naive check many chargers run: fails in binary floating point for 134 of 401 values 0.0–40.0. */
export function naiveMultipleOfTenth(x: number): boolean {
  const d = x / 0.1;
  return d === parseInt(String(d), 10);
}

export function quirkTimestamp(d: Date, quirks: Quirks): string {
  const iso = d.toISOString();
  return quirks.timestampsWithoutZ ? iso.slice(0, -1) : iso;
}
