import { checkModulePort } from './module-rules.js';

describe('checkModulePort', () => {
  it.each([
    [true, [], 0, 'ok'],
    [true, [0, 1, 2], 3, 'ok'],
    [true, [], 4, 'out_of_range'],
    [true, [0, 1, 2, 3], 3, 'duplicate'],
    [false, [0, 1, 2, 3], 4, 'ok'],
    [false, [5], 5, 'duplicate'],
  ])('keaSolar=%s, existing %j, port %i → %s', (kea, existing, port, expected) => {
    expect(checkModulePort(kea, existing, port)).toBe(expected);
  });
});
