import { evseStatusOf, ocpiDateTime } from './evse-status.js';

describe('own EVSE status', () => {
  it('maps OCPP 1.6 connector statuses to OCPI EVSE statuses', () => {
    expect(evseStatusOf('Available')).toBe('AVAILABLE');
    expect(evseStatusOf('Preparing')).toBe('CHARGING');
    expect(evseStatusOf('SuspendedEV')).toBe('CHARGING');
    expect(evseStatusOf('Reserved')).toBe('RESERVED');
    expect(evseStatusOf('Unavailable')).toBe('INOPERATIVE');
    expect(evseStatusOf('Faulted')).toBe('OUTOFORDER');
  });

  it('turns bus timestamps with offsets into OCPI UTC DateTimes', () => {
    expect(ocpiDateTime('2025-06-18T10:00:00.123+08:00')).toBe('2025-06-18T02:00:00.123Z');
    expect(ocpiDateTime('2025-06-18T02:00:00.000Z')).toBe('2025-06-18T02:00:00Z');
  });
});
