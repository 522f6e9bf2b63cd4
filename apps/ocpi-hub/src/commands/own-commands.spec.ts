import { resultFor211 } from './own-commands.service.js';

describe('resultFor211', () => {
  it('keeps the five 2.1.1 results and folds the 2.2.1-only ones', () => {
    for (const r of ['NOT_SUPPORTED', 'REJECTED', 'ACCEPTED', 'TIMEOUT', 'UNKNOWN_SESSION']) expect(resultFor211(r)).toBe(r);
    expect(resultFor211('CANCELED_RESERVATION')).toBe('ACCEPTED');
    expect(resultFor211('EVSE_OCCUPIED')).toBe('REJECTED');
    expect(resultFor211('FAILED')).toBe('REJECTED');
  });
});
