import { Subjects, type OcppRemoteStartSettled } from '@cpo/contracts';
import type { OutboxWriter } from '@cpo/messaging';
import type { EntityManager } from 'typeorm';
import type { SettledRemoteStart } from './remote-start.repository.js';

/** The `ocpp.remote-start.settled` payload of a settled remote start. */
export function remoteStartSettledEvent(r: SettledRemoteStart): OcppRemoteStartSettled {
  return {
    remoteStartId: r.id,
    stationId: r.stationId,
    ...(r.connectorId === null ? {} : { connectorId: r.connectorId }),
    idTag: r.idTag,
    status: r.status,
    ...(r.status === 'Started' && r.transactionId !== null ? { transactionId: r.transactionId } : {}),
    ...(r.previousStatus ? { previousStatus: r.previousStatus } : {}),
    requestedAt: r.requestedAt.toISOString(),
    settledAt: r.settledAt.toISOString(),
  };
}

/**
 * Enqueues the events of what `tx` settled, in `tx`: the outcome and its event commit together.
 * Validated by the writer (a few per minute): an idTag the contract cannot carry (over 1024
 * characters) cannot reach here, the command API bounds it to OCPP's 20.
 */
export async function publishSettled(outbox: OutboxWriter, tx: EntityManager, settled: readonly SettledRemoteStart[]): Promise<void> {
  if (settled.length === 0) return;
  await outbox.enqueueMany(tx, settled.map((r) => ({ subject: Subjects.OcppRemoteStartSettled, payload: remoteStartSettledEvent(r) })));
}
