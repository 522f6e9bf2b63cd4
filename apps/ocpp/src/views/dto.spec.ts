import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { MeterValueQuery, ReservationQuery, StationMessageQuery, TransactionQuery, UpsertIdTagDto, UpsertStationDto } from './dto.js';

/** What the ValidationPipe does with a query or body: transform, then validate. */
function check<T extends object>(cls: new () => T, plain: Record<string, unknown>): { value: T; failed: string[] } {
  const value = plainToInstance(cls, plain);
  return { value, failed: validateSync(value).map((e) => e.property) };
}

describe('operator date-time inputs', () => {
  it('a calendar date that does not exist is a 400, not the day JavaScript rolls it over to', () => {
    // new Date('2024-02-30T00:00:00Z') is 1 March: an operator's typo would silently move the range.
    for (const from of ['2024-02-30T00:00:00Z', '2023-02-29T00:00:00Z', '2024-04-31T10:00:00+02:00', '2024-01-01T24:00:00Z', '2024-13-01T00:00:00Z', '2024-01-00T00:00:00Z']) {
      expect({ from, failed: check(TransactionQuery, { from }).failed }).toEqual({ from, failed: ['from'] });
    }
    expect(check(MeterValueQuery, { to: '2025-06-31T00:00:00Z' }).failed).toEqual(['to']);
    expect(check(UpsertIdTagDto, { expiryDate: '2030-02-29T00:00:00Z' }).failed).toEqual(['expiryDate']);
  });

  it('real dates, leap days and offsets are taken as the instant they name', () => {
    expect(check(TransactionQuery, { from: '2024-02-29T23:30:00-01:00' }).value.from?.toISOString()).toBe('2024-03-01T00:30:00.000Z');
    expect(check(TransactionQuery, { to: '2024-12-31T23:59:59.999Z' }).value.to?.toISOString()).toBe('2024-12-31T23:59:59.999Z');
    expect(check(MeterValueQuery, { from: '2026-01-31T22:00Z' }).value.from?.toISOString()).toBe('2026-01-31T22:00:00.000Z');
    expect(check(UpsertIdTagDto, { expiryDate: '2028-02-29T12:00:00+08:00' }).failed).toEqual([]);
  });
});

describe('operator time ranges', () => {
  it('a range whose from is after its to is a 400 naming to, not an empty page (from = to, an empty range, is allowed)', () => {
    const backwards = { from: '2026-02-01T10:00:00Z', to: '2026-01-01T10:00:00Z' };
    expect(check(TransactionQuery, backwards).failed).toEqual(['to']);
    expect(check(MeterValueQuery, backwards).failed).toEqual(['to']);
    // Compared as instants: 11:00+02:00 is 09:00Z, before 10:00Z.
    expect(check(TransactionQuery, { from: '2026-01-01T10:00:00Z', to: '2026-01-01T11:00:00+02:00' }).failed).toEqual(['to']);
    expect(check(TransactionQuery, { from: '2026-01-01T10:00:00Z', to: '2026-01-01T10:00:00Z' }).failed).toEqual([]);
    expect(check(MeterValueQuery, { from: '2026-01-01T10:00:00Z', to: '2026-01-01T13:00:00+02:00' }).failed).toEqual([]);
    // An invalid from is reported as itself, with no second error on to.
    expect(check(TransactionQuery, { from: 'yesterday', to: '2026-01-01T10:00:00Z' }).failed).toEqual(['from']);
  });
});

describe('operator filters', () => {
  it('a token or station filter that no row can match (empty, or longer than a stored idTag / a station id) is a 400 naming it, not an empty page', () => {
    for (const idTag of ['', 'A'.repeat(256)]) expect({ idTag, failed: check(TransactionQuery, { idTag }).failed }).toEqual({ idTag, failed: ['idTag'] });
    for (const stationId of ['', 'S'.repeat(49)]) {
      expect({ stationId, failed: check(TransactionQuery, { stationId }).failed }).toEqual({ stationId, failed: ['stationId'] });
      expect({ stationId, failed: check(ReservationQuery, { stationId }).failed }).toEqual({ stationId, failed: ['stationId'] });
    }
    expect(check(StationMessageQuery, { kind: '' }).failed).toEqual(['kind']);
    expect(check(TransactionQuery, { idTag: 'A'.repeat(20), stationId: 'S'.repeat(48) }).failed).toEqual([]);
  });

  it('the idTag filter finds the transactions of tags longer than an IdToken: a charger may start one with up to 255 characters, and it is stored', () => {
    for (const idTag of ['A'.repeat(21), 'A'.repeat(255)]) expect({ length: idTag.length, failed: check(TransactionQuery, { idTag }).failed }).toEqual({ length: idTag.length, failed: [] });
  });
});

describe('station password', () => {
  it('an operator-set password is 16–64 characters: 8 can be guessed online', () => {
    for (const password of ['', 'eight-ch', 'x'.repeat(15), 'x'.repeat(65)]) {
      expect({ length: password.length, failed: check(UpsertStationDto, { password }).failed }).toEqual({ length: password.length, failed: ['password'] });
    }
    for (const password of ['x'.repeat(16), '0123456789abcdef0123456789abcdef', 'x'.repeat(64)]) expect(check(UpsertStationDto, { password }).failed).toEqual([]);
  });

  it('the message names the field and the rule, never the value', () => {
    const [error] = validateSync(plainToInstance(UpsertStationDto, { password: 'eight-ch' }));
    const messages = Object.values(error?.constraints ?? {});
    expect(messages.join(' ')).toMatch(/^password .*16/);
    expect(messages.join(' ')).not.toContain('eight-ch');
  });
});
