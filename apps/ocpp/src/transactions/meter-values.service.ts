import { Injectable } from '@nestjs/common';
import { Subjects } from '@cpo/contracts';
import { OutboxWriter } from '@cpo/messaging';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { DataSource, type EntityManager } from 'typeorm';
import { CommitBatcher } from '../persistence/commit-batcher.js';
import { parseOcppTime } from '../time.js';
import { meterRowsOf } from './meter-samples.js';
import { TransactionRepository } from './transaction.repository.js';

interface Submission {
  stationId: string;
  req: Ocpp16.MeterValuesRequest;
}

/**
 * MeterValues from every station, group-committed. Readings without a transaction id are attached
 * to the transaction running on that connector at their timestamp (clock-aligned samples often
 * lack it); connector 0 is the station's main meter. Unknown ids are stored as sent, for
 * reconciliation: the charger is always answered, since a CallError only makes it resend.
 */
@Injectable()
export class MeterValuesService {
  private readonly batcher: CommitBatcher<Submission, void>;

  constructor(
    db: DataSource,
    private readonly transactions: TransactionRepository,
    private readonly outbox: OutboxWriter,
  ) {
    this.batcher = new CommitBatcher(db, (items, tx) => this.write(items, tx), { maxBatch: 500, concurrency: 2 });
  }

  record(stationId: string, req: Ocpp16.MeterValuesRequest): Promise<void> {
    return this.batcher.submit({ stationId, req });
  }

  private async write(items: Submission[], tx: EntityManager): Promise<void[]> {
    const needLookup: { stationId: string; connectorId: number; at: Date }[] = [];
    const lookupIndex: number[] = [];
    items.forEach((item, i) => {
      const { connectorId, transactionId } = item.req;
      if ((transactionId === undefined || transactionId === 0) && connectorId > 0) {
        const first = item.req.meterValue[0];
        if (first) {
          needLookup.push({ stationId: item.stationId, connectorId, at: parseOcppTime(first.timestamp) });
          lookupIndex.push(i);
        }
      }
    });
    const found = await this.transactions.activeAt(tx, needLookup);
    const resolved = items.map((item) => (item.req.transactionId && item.req.transactionId > 0 ? item.req.transactionId : null));
    lookupIndex.forEach((itemIndex, k) => (resolved[itemIndex] = found[k] ?? null));

    const rows = [];
    const events = [];
    for (const [i, item] of items.entries()) {
      for (const mv of item.req.meterValue) {
        const { rows: r, event } = meterRowsOf(item.stationId, item.req.connectorId, resolved[i] ?? null, mv);
        rows.push(...r);
        if (event) events.push({ subject: Subjects.OcppMeterSampled, payload: event });
      }
    }
    await this.transactions.insertMeterValues(tx, rows);
    await this.outbox.enqueueMany(tx, events);
    return items.map(() => undefined);
  }
}
