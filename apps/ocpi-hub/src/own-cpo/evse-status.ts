import type { OcppChargePointStatus } from '@cpo/contracts';

/** OCPI EVSE status of an OCPP 1.6 connector status (the usual mapping; Finishing still occupies the EVSE). */
export function evseStatusOf(status: OcppChargePointStatus): string {
  switch (status) {
    case 'Available':
      return 'AVAILABLE';
    case 'Preparing':
    case 'Charging':
    case 'SuspendedEV':
    case 'SuspendedEVSE':
    case 'Finishing':
      return 'CHARGING';
    case 'Reserved':
      return 'RESERVED';
    case 'Unavailable':
      return 'INOPERATIVE';
    case 'Faulted':
      return 'OUTOFORDER';
    default:
      return 'UNKNOWN';
  }
}

/** An OCPI DateTime (UTC; milliseconds only when not zero) from a bus timestamp with any offset. */
export function ocpiDateTime(timestamp: string): string {
  return new Date(timestamp).toISOString().replace(/\.000Z$/, 'Z');
}
