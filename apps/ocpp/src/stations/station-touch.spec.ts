import type { OutboxWriter } from '@cpo/messaging';
import type { DataSource, EntityManager } from 'typeorm';
import { StationRepository } from './station.repository.js';

/**
 * Connection events are group-committed: a charger that connects and drops in one batch names its
 * station twice. UPDATE … FROM with two rows joining one station takes either, so the earlier time
 * could win; and rows in arrival order lock in no fixed order beside other writers.
 */
describe('StationRepository.touch', () => {
  it('writes one time per station, the latest, in id order', async () => {
    const calls: unknown[][] = [];
    const tx = { query: async (_sql: string, params: unknown[]) => void calls.push(params) } as unknown as EntityManager;
    const t = (s: number) => new Date(Date.UTC(2026, 11, 7, 12, 0, s));
    await new StationRepository({} as DataSource, {} as OutboxWriter).touch(tx, ['CP-B', 'CP-A', 'CP-B'], [t(3), t(1), t(2)]);
    expect(calls).toEqual([[['CP-A', 'CP-B'], [t(1), t(3)]]]);
  });
});
