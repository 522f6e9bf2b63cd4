import { reservationStatusAfter } from './reservation.effects.js';

describe('reservationStatusAfter', () => {
  it('Failed when the charger holds nothing from the request, TimedOut when it may', () => {
    expect(reservationStatusAfter({ kind: 'error', code: 'GenericError', description: '', details: {} })).toBe('Failed');
    expect(reservationStatusAfter({ kind: 'queue-full' })).toBe('Failed');
    expect(reservationStatusAfter({ kind: 'superseded' })).toBe('Failed');
    expect(reservationStatusAfter({ kind: 'timeout' })).toBe('TimedOut');
    expect(reservationStatusAfter({ kind: 'disconnected' })).toBe('TimedOut');
    // Never written to the socket (queued when it closed): the charger cannot hold it.
    expect(reservationStatusAfter({ kind: 'disconnected', unsent: true })).toBe('Failed');
    // Timed out still queued behind another call: never written either.
    expect(reservationStatusAfter({ kind: 'timeout', unsent: true })).toBe('Failed');
  });
});
