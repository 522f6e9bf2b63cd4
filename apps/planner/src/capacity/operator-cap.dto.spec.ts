import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { OperatorCapDto } from './operator-cap.dto.js';

/** The fields the global ValidationPipe would name in a 400, for this body. */
function badFields(body: Record<string, unknown>): string[] {
  const dto = plainToInstance(OperatorCapDto, body);
  return validateSync(dto, { whitelist: true, forbidNonWhitelisted: true }).map((e) => e.property);
}

describe('OperatorCapDto', () => {
  const ok = { start: '2026-12-07T10:00:00Z', end: '2026-12-07T20:00:00+08:00', powerKw: 50, reason: 'works' };

  it('accepts ISO 8601 date-times with Z or an offset and reads them as instants', () => {
    expect(badFields(ok)).toEqual([]);
    const dto = plainToInstance(OperatorCapDto, { ...ok, end: '2026-12-07T20:00:00.5+08:00' });
    expect(dto.end?.toISOString()).toBe('2026-12-07T12:00:00.500Z');
    expect(badFields({ ...ok, end: undefined })).toEqual([]);
  });

  it.each([
    ['a day that does not exist', '2026-02-30T00:00:00Z'],
    ['a US-style date', '12/25/2026'],
    ['a date-time without a zone', '2026-12-07T10:00:00'],
    ['a date alone', '2026-12-07'],
    ['epoch milliseconds', 1796637600000],
  ])('refuses %s as start', (_, start) => {
    expect(badFields({ ...ok, start })).toEqual(['start']);
  });

  it('refuses an end that is not after the start', () => {
    expect(badFields({ ...ok, end: '2026-12-07T09:00:00Z' })).toEqual(['end']);
    expect(badFields({ ...ok, end: ok.start })).toEqual(['end']);
  });

  it('refuses a power that is not finite, negative or beyond any contract', () => {
    expect(badFields({ ...ok, powerKw: 1e308 })).toEqual(['powerKw']);
    expect(badFields({ ...ok, powerKw: -1 })).toEqual(['powerKw']);
    expect(badFields({ ...ok, powerKw: '5' })).toEqual(['powerKw']);
  });
});
