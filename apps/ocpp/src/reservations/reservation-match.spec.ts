import { RESERVATION_CLOCK_SKEW_MS, reservationEndedBy, type HeldReservation } from './reservation-match.js';

const T = new Date('2026-12-06T10:00:00Z');
const at = (ms: number) => new Date(T.getTime() + ms);

const held = (r: Partial<HeldReservation> & { reservationId: number }): HeldReservation => ({
  connectorId: 1,
  idTag: 'CARD-1',
  parentIdTag: null,
  expiryDate: at(3_600_000),
  createdAt: at(-60_000),
  ...r,
});
const start = { connectorId: 1, idTag: 'CARD-1', startedAt: T };

describe('reservationEndedBy (OCPP 1.6 §5.13: a start for the reserved tag or parent tag on the reserved connector, or any for connector 0)', () => {
  it('matches the reserved idTag in any case (IdToken is a CiString)', () => {
    expect(reservationEndedBy([held({ reservationId: 1, idTag: '04A2B3C4' })], { ...start, idTag: '04a2b3c4' })?.reservationId).toBe(1);
  });

  it('matches the reservation\'s parentIdTag by the started tag\'s parent, in any case; never a parent against the reserved idTag', () => {
    const r = held({ reservationId: 2, idTag: 'CARD-A', parentIdTag: 'FLEET' });
    expect(reservationEndedBy([r], { ...start, idTag: 'CARD-B', parentIdTag: 'fleet' })?.reservationId).toBe(2);
    expect(reservationEndedBy([r], { ...start, idTag: 'CARD-B' })).toBeUndefined();
    expect(reservationEndedBy([held({ reservationId: 3, idTag: 'FLEET' })], { ...start, idTag: 'CARD-B', parentIdTag: 'FLEET' })).toBeUndefined();
  });

  it('matches on the reserved connector, or any connector for a connector-0 reservation', () => {
    expect(reservationEndedBy([held({ reservationId: 4, connectorId: 2 })], start)).toBeUndefined();
    expect(reservationEndedBy([held({ reservationId: 5, connectorId: 0 })], { ...start, connectorId: 3 })?.reservationId).toBe(5);
  });

  it('leaves a reservation another tag holds, and none for an empty (free-vend) idTag', () => {
    expect(reservationEndedBy([held({ reservationId: 6 })], { ...start, idTag: 'CARD-2' })).toBeUndefined();
    expect(reservationEndedBy([held({ reservationId: 7, idTag: '' })], { ...start, idTag: '' })).toBeUndefined();
  });

  it('only one held at the start\'s own time: not expired by then, not requested after it (beyond clock skew)', () => {
    expect(reservationEndedBy([held({ reservationId: 8, expiryDate: T })], start)).toBeUndefined();
    expect(reservationEndedBy([held({ reservationId: 9, createdAt: at(RESERVATION_CLOCK_SKEW_MS + 1) })], start)).toBeUndefined();
    expect(reservationEndedBy([held({ reservationId: 10, createdAt: at(RESERVATION_CLOCK_SKEW_MS) })], start)?.reservationId).toBe(10);
  });

  it('prefers the reservation on the start\'s connector over a station-wide one, then the earliest requested', () => {
    const station = held({ reservationId: 11, connectorId: 0, createdAt: at(-600_000) });
    const later = held({ reservationId: 12, createdAt: at(-60_000) });
    const earlier = held({ reservationId: 13, createdAt: at(-120_000) });
    expect(reservationEndedBy([station, later, earlier], start)?.reservationId).toBe(13);
    expect(reservationEndedBy([station, held({ reservationId: 14, connectorId: 0, createdAt: at(-700_000) })], { ...start, connectorId: 2 })?.reservationId).toBe(14);
  });
});
