import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { PlanHistoryQuery } from './planning.controller.js';

const errorsOf = (query: Record<string, string>) => validateSync(plainToInstance(PlanHistoryQuery, query)).map((e) => e.property);

describe('GET /groups/{id}/plans ?limit', () => {
  it('takes a decimal integer only: hex, exponent and empty were read as numbers (0x10 as 16, "" as 0)', () => {
    expect(errorsOf({ limit: '16' })).toEqual([]);
    for (const limit of ['0x10', '1e2', '', ' 7']) expect({ limit, errors: errorsOf({ limit }) }).toEqual({ limit, errors: ['limit'] });
  });
});
