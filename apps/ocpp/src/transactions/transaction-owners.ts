import { Injectable } from '@nestjs/common';

/** ~100 bytes an entry: a few MB for the running sessions of a large fleet. */
const MAX_ENTRIES = 50_000;

/**
 * Transactions known to belong to a station, in memory (ids are global and never change station).
 * A MeterValues naming one of them is stored at once; any other id is checked first, since a
 * charger may name another station's transaction (a swapped controller, ids from a previous
 * backend), whose session would otherwise count its energy. Bounded: the oldest entries go first,
 * costing one check if their station sends again.
 */
@Injectable()
export class TransactionOwners {
  private readonly owners = new Map<number, string>();

  stationOf(transactionId: number): string | undefined {
    return this.owners.get(transactionId);
  }

  remember(transactionId: number, stationId: string): void {
    if (this.owners.has(transactionId)) return;
    if (this.owners.size >= MAX_ENTRIES) this.owners.delete(this.owners.keys().next().value!);
    this.owners.set(transactionId, stationId);
  }
}
