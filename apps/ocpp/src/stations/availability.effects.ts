import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { CommandExecutor, mayHaveReachedCharger } from '../commands/command-executor.js';
import { AvailabilityRepository, type AvailabilityStatus } from './availability.repository.js';

const ANSWERS = new Set<string>(['Accepted', 'Scheduled', 'Rejected']);

/**
 * Keeps each ChangeAvailability with its answer, so the station view shows a connector that is to
 * go out of (or back into) service: `Scheduled` (OCPP 1.6 §5.2) means "after the running
 * transaction", and only the later StatusNotification shows it happened. Recorded before the call:
 * a charger may report the new status before its answer is read.
 * A replaced unit is sent the operator's Inoperative again (AvailabilityReapply).
 */
@Injectable()
export class AvailabilityEffects implements OnModuleInit {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly requests: AvailabilityRepository,
  ) {}

  onModuleInit(): void {
    // The recorded row of each request in flight, by its payload (the hooks get the same object).
    const recorded = new WeakMap<object, number>();
    this.executor.beforeSending('ChangeAvailability', async (ctx, payload) => {
      const req = payload as unknown as Ocpp16.ChangeAvailabilityRequest;
      recorded.set(payload, await this.requests.requested(ctx.stationId, req.connectorId, req.type));
    });
    this.executor.afterAnswer('ChangeAvailability', async (_ctx, payload, answer) => {
      const id = recorded.get(payload);
      const { status } = answer as unknown as Ocpp16.ChangeAvailabilityResponse;
      // A lenient charger's answer outside the enumeration tells nothing sure: read like no answer.
      if (id !== undefined) await this.requests.settled(id, ANSWERS.has(status) ? (status as AvailabilityStatus) : 'TimedOut');
    });
    // Also for a CallError after the timeout: the row left TimedOut is Failed (settled takes a TimedOut row's late answer).
    this.executor.afterFailure(
      'ChangeAvailability',
      async (_ctx, payload, failure) => {
        const id = recorded.get(payload);
        // One that may have reached the charger may be in force: not a failure the operator can rely on.
        if (id !== undefined) await this.requests.settled(id, mayHaveReachedCharger(failure) ? 'TimedOut' : 'Failed');
      },
      { late: true },
    );
  }
}
