import { jest } from '@jest/globals';
import type { OutboxWriter } from '@cpo/messaging';
import type { DataSource } from 'typeorm';
import { ReservationRepository } from './reservation.repository.js';

/** A DataSource whose plain queries answer `found` and whose transactions are counted. */
function database(found: Record<string, unknown>[]) {
  const query = jest.fn(async (_sql: string, _params?: unknown[]) => found);
  const transaction = jest.fn(async (work: (tx: unknown) => Promise<unknown>) => work({ query: async () => [] }));
  return { db: { query, transaction } as unknown as DataSource, query, transaction };
}

describe('ReservationRepository.endOnInoperative', () => {
  const outbox = { enqueueMany: jest.fn() } as unknown as OutboxWriter;

  // Every Faulted/Unavailable StatusNotification comes here (a station set Unavailable reports it for
  // each connector at every boot), and almost none has a reservation to end: that common case must
  // stay one round trip, not a transaction's BEGIN, UPDATE and COMMIT on a pooled connection.
  it('ends nothing without a transaction when no reservation there can end', async () => {
    const { db, query, transaction } = database([]);
    await new ReservationRepository(db, outbox).endOnInoperative('CP-1', 1, 'Unavailable');
    expect(query).toHaveBeenCalledTimes(1);
    expect(query.mock.calls[0]![1]).toEqual(['CP-1', 1, 'Unavailable']);
    expect(transaction).not.toHaveBeenCalled();
  });

  it('ends them (and enqueues their events) in a transaction when there are some', async () => {
    const { db, transaction } = database([{ found: 1 }]);
    await new ReservationRepository(db, outbox).endOnInoperative('CP-1', 0, 'Faulted');
    expect(transaction).toHaveBeenCalledTimes(1);
  });
});
