import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { MeterValueQuery, PageQuery, PatchIdTagDto, TransactionQuery, UpsertIdTagDto, UpsertStationDto } from '../src/views/dto.js';

/** What the ValidationPipe does with a query or body: transform, then validate; the refused fields. */
function failed<T extends object>(cls: new () => T, plain: Record<string, unknown>): string[] {
  return validateSync(plainToInstance(cls, plain)).map((e) => e.property);
}

describe('operator DTOs: null only where the API gives it a meaning', () => {
  it('refuses null for every station setting (a null password reached scrypt as a 500)', () => {
    for (const field of ['registrationStatus', 'validationPolicy', 'securityProfile', 'password', 'subprotocolAliases', 'missingSubprotocol']) {
      expect({ field, failed: failed(UpsertStationDto, { [field]: null }) }).toEqual({ field, failed: [field] });
    }
    expect(failed(UpsertStationDto, {})).toEqual([]);
  });

  it('refuses a null token status on PUT and PATCH; a null expiry or parent is "none" on PUT and "clear" on PATCH', () => {
    expect(failed(UpsertIdTagDto, { status: null })).toEqual(['status']);
    expect(failed(PatchIdTagDto, { status: null })).toEqual(['status']);
    expect(failed(UpsertIdTagDto, { expiryDate: null, parentIdTag: null })).toEqual([]);
    expect(failed(PatchIdTagDto, { expiryDate: null, parentIdTag: null })).toEqual([]);
  });
});

describe('operator queries: integers in decimal only', () => {
  it('refuses empty, hex, binary, exponent and padded values instead of reading them as 0, 16, 1000', () => {
    for (const value of ['', '0x10', '0b11', '1e3', ' 7', '7 ', '5.0', 'Infinity']) {
      expect({ value, failed: failed(PageQuery, { limit: value, offset: value }) }).toEqual({ value, failed: ['offset', 'limit'] });
      expect({ value, failed: failed(MeterValueQuery, { transactionId: value }) }).toEqual({ value, failed: ['transactionId'] });
    }
    expect(plainToInstance(TransactionQuery, { limit: '16', offset: '007' })).toMatchObject({ limit: 16, offset: 7 });
    expect(plainToInstance(MeterValueQuery, { transactionId: '-5' })).toMatchObject({ transactionId: -5 });
    expect(plainToInstance(PageQuery, {})).toMatchObject({ limit: 100, offset: 0 });
  });
});
