import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import { CommandExecutor, mayHaveReachedCharger } from '../commands/command-executor.js';
import type { StationContext } from '../connection/station-context.js';
import { ChargingProfileRepository } from './charging-profile.repository.js';
import { LeaseFallback } from './lease-fallback.js';
import { LimitDispatcher } from './limit-dispatcher.js';
import { leaseFallbackProfileId } from './profile-builder.js';

/**
 * A ClearChargingProfile from an operator (or another service) can remove the profiles smart
 * charging installed: the charger then charges without the grid limit while the view said
 * `applied` until the next reconnect. What it may have removed is pending again and sent again at
 * once (the charger runs without that limit, the fail-safe cap too, until then: waiting for the retry
 * pass left it unlimited for up to OCPP_PROFILE_RETRY_MS), and a lease fallback it may have removed is
 * installed again with the next lease. A clear left unanswered may have reached the charger: treated
 * alike (re-sending is harmless). A clear answered `Unknown` found none of them on the charger: the
 * same, they are sent again.
 */
@Injectable()
export class OperatorClearEffects implements OnModuleInit {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly profiles: ChargingProfileRepository,
    private readonly leaseFallback: LeaseFallback,
    private readonly dispatcher: LimitDispatcher,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.executor.afterAnswer('ClearChargingProfile', async (ctx, payload, answer, timing) => {
      // After our timeout: its failure hook below took the clear as possibly done and ran every
      // effect already (pending, sent again): marked again, the profiles just sent again went once more.
      if (timing?.late) return;
      const req = payload as unknown as Ocpp16.ClearChargingProfileRequest;
      const { status } = answer as unknown as Ocpp16.ClearChargingProfileResponse;
      // Unknown: nothing matched, so the grid profiles and the fallback the request names are not on
      // the charger (lost without a reboot we saw, e.g. a firmware update): known applied, they would
      // never be sent again. Pending again and sent, as after a clear.
      if (status === 'Accepted' || status === 'Unknown') await this.cleared(ctx, req, status, status === 'Unknown');
    });
    this.executor.afterFailure('ClearChargingProfile', async (ctx, payload, failure) => {
      if (mayHaveReachedCharger(failure)) await this.cleared(ctx, payload as unknown as Ocpp16.ClearChargingProfileRequest, `no answer (${failure.kind})`);
    });
  }

  private async forgetFallback(ctx: StationContext, req: Ocpp16.ClearChargingProfileRequest): Promise<void> {
    const hit = fallbacksHit(req);
    if (hit) await this.leaseFallback.forget(ctx.stationId, hit.connectorId);
  }

  /** `notHeld`: answered `Unknown`, the charger did not hold them (markCleared). */
  private async cleared(ctx: StationContext, req: Ocpp16.ClearChargingProfileRequest, outcome: string, notHeld = false): Promise<void> {
    const result = `${notHeld ? 'not held, said' : 'removed by'} ClearChargingProfile ${JSON.stringify(req)}: ${outcome}`;
    const connectors = await this.profiles.markCleared(ctx.stationId, req, result, notHeld);
    const message = notHeld ? 'ClearChargingProfile found grid-limit profiles we recorded applied missing; they are sent again' : 'ClearChargingProfile removed grid-limit profiles; they are sent again';
    if (connectors.length > 0) this.logger.warn({ stationId: ctx.stationId, request: req, connectors }, message);
    await this.forgetFallback(ctx, req);
    if (connectors.length === 0) return;
    // Not awaited: the operator's answer does not wait for the re-send (one pass per station, chained).
    void this.dispatcher.dispatch(ctx.stationId, { all: false, ctx }).catch((err: unknown) => this.logger.error({ err, stationId: ctx.stationId }, 'could not send the cleared grid limits again'));
  }
}

/**
 * The connectors whose lease fallback the clear may have hit (all when undefined), or none (null).
 * Connector 0 counts as all: the specification means the station's own profiles, but chargers
 * reading it as "every connector" are common, and a fallback sent once more is harmless.
 */
function fallbacksHit(req: Ocpp16.ClearChargingProfileRequest): { connectorId: number | undefined } | null {
  if (req.id !== undefined) {
    const connectorId = fallbackConnectorOf(req.id);
    return connectorId === undefined ? null : { connectorId };
  }
  const matches = (req.chargingProfilePurpose === undefined || req.chargingProfilePurpose === 'TxDefaultProfile') && (req.stackLevel === undefined || req.stackLevel === 0);
  if (!matches) return null;
  return { connectorId: req.connectorId === 0 ? undefined : req.connectorId };
}

/** The connector whose lease fallback has this id, if it is one. */
function fallbackConnectorOf(id: number): number | undefined {
  const connectorId = id - leaseFallbackProfileId(0);
  return connectorId >= 1 && connectorId <= 99 ? connectorId : undefined;
}
