import { adjustVerdict, dayAheadBlocks, emergencyBlock, keptHourlyKw, negotiationDay, type Negotiation } from './negotiation.js';

const negotiation = (state: Negotiation['state']): Negotiation => ({ groupId: 'G', day: '2024-10-02', state, assignedKw: null, requestedKw: null });

describe('testbed negotiation rules', () => {
  it('builds 24 hourly blocks for a Taipei day as ELMO formats them', () => {
    const blocks = dayAheadBlocks('2024-10-02', 100);
    expect(blocks).toHaveLength(24);
    expect(blocks[13]).toEqual({ capacity: 100, phase: 'ALL', unit: 'KW', start_time: '2024-10-02T13:00:00.000+08:00', end_time: '2024-10-02T14:00:00.000+08:00' });
    expect(blocks[23].end_time).toBe('2024-10-03T00:00:00.000+08:00');
  });

  it('starts an emergency on the first quarter-hour ≥ 15 min ahead and ends it at Taipei midnight', () => {
    expect(emergencyBlock(new Date('2024-10-01T08:00:00Z'), 50)).toMatchObject({ start_time: '2024-10-01T16:15:00.000+08:00', end_time: '2024-10-02T00:00:00.000+08:00' });
    expect(emergencyBlock(new Date('2024-10-01T08:00:01Z'), 50).start_time).toBe('2024-10-01T16:30:00.000+08:00');
    expect(emergencyBlock(new Date('2024-10-01T15:50:00Z'), 50, true)).toMatchObject({ start_time: '2024-10-01T16:15:00.000Z', end_time: '2024-10-02T16:00:00.000Z' });
  });

  it('targets tomorrow in Taipei, switching at Taipei midnight', () => {
    expect(negotiationDay(new Date('2024-10-01T15:59:59Z'))).toBe('2024-10-02');
    expect(negotiationDay(new Date('2024-10-01T16:00:00Z'))).toBe('2024-10-03');
  });

  it('answers adjusts 404 without a negotiation, 400 unless NEGOTIATING', () => {
    expect(adjustVerdict(undefined)).toMatchObject({ status: 404 });
    expect(adjustVerdict(negotiation('EXTRA_REQUEST'))).toMatchObject({ status: 400 });
    expect(adjustVerdict(negotiation('NEGOTIATING_FAILED'))).toMatchObject({ status: 400 });
    expect(adjustVerdict(negotiation('NEGOTIATING'))).toEqual({ status: 204 });
  });

  it('keeps the Taipei hour and the half-up integer of each block', () => {
    const kept = keptHourlyKw(dayAheadBlocks('2024-10-02', Array.from({ length: 24 }, (_, h) => h + 0.5)));
    expect(kept.slice(0, 3)).toEqual([1, 2, 3]);
  });
});
