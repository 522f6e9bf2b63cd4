import { processedAt } from './processed-at.js';

describe('processedAt (own Session/CDR last_updated)', () => {
  const now = new Date('2025-06-18T10:00:00.250Z');

  it('is the processing time, not the event time', () => {
    expect(processedAt(undefined, now)).toBe('2025-06-18T10:00:00.250Z');
    expect(processedAt('2025-06-18T07:00:00Z', now)).toBe('2025-06-18T10:00:00.250Z');
    expect(processedAt(undefined, new Date('2025-06-18T10:00:00.000Z'))).toBe('2025-06-18T10:00:00Z');
  });

  it('never moves back behind the previous value (kept verbatim)', () => {
    expect(processedAt('2025-06-18T11:00:00Z', now)).toBe('2025-06-18T11:00:00Z');
    expect(processedAt('not a date', now)).toBe('2025-06-18T10:00:00.250Z');
  });
});
