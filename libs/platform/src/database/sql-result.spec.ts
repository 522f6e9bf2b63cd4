import { affectedRows, returnedRows } from './sql-result.js';

describe('returnedRows', () => {
  it('unwraps the UPDATE/DELETE shape and leaves SELECT/INSERT rows alone', () => {
    expect(returnedRows([[{ id: 1 }], 1])).toEqual([{ id: 1 }]);
    expect(returnedRows([[], 0])).toEqual([]);
    expect(returnedRows([{ id: 1 }, { id: 2 }])).toEqual([{ id: 1 }, { id: 2 }]);
    expect(returnedRows([])).toEqual([]);
  });

  it('counts affected rows in both shapes', () => {
    expect(affectedRows([[], 3])).toBe(3);
    expect(affectedRows([{ id: 1 }])).toBe(1);
    expect(affectedRows(undefined)).toBe(0);
  });
});
