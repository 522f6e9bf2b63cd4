import { Inject, Injectable } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { OcppCommandReply } from '@cpo/contracts';
import type { CsAction16, JsonObject } from '@cpo/ocpp-protocol';
import { registrationRefusal, replyOf } from '../commands/command-executor.js';
import { CommandService } from '../commands/command.service.js';
import { SessionRegistry } from '../connection/session-registry.js';
import type { CallOptions, StationContext } from '../connection/station-context.js';
import { OperatorProfilesRepository } from '../operator-profiles/operator-profiles.repository.js';
import { lateAcceptance } from './late-accept.js';
import type { BuiltProfile } from './profile-builder.js';

/**
 * Smart charging's CSMS → charger CALLs: through the socket when this replica holds it, else through
 * the bus to the replica that does. Either way under the registration gate of operator commands
 * (a station rejected at boot gets no profile either).
 */
@Injectable()
export class StationCaller {
  constructor(
    private readonly registry: SessionRegistry,
    private readonly commands: CommandService,
    private readonly operatorProfiles: OperatorProfilesRepository,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * `coalesceKey`: latest wins, a newer CALL under the same key replaces one still queued for the
   * charger. `onLate`: the charger's answer after the timeout we returned (`OutboundCalls`), on a
   * socket of this replica only (through the bus the holder's executor has it); returns whether its
   * effects are applied.
   */
  async call(stationId: string, action: CsAction16, payload: JsonObject, o: { ctx?: StationContext; coalesceKey?: string; onLate?: (reply: OcppCommandReply) => boolean } = {}): Promise<OcppCommandReply> {
    const local = o.ctx ?? this.registry.get(stationId);
    if (!local) return this.commands.send(stationId, { action, payload });
    const onLate = o.onLate;
    const options: CallOptions = { ...(o.coalesceKey ? { coalesceKey: o.coalesceKey } : {}), ...(onLate ? { onLateAnswer: (outcome) => onLate(replyOf(outcome, action)) } : {}) };
    return registrationRefusal(local, action) ?? replyOf(await local.call(action, payload, options), action);
  }

  /**
   * SetChargingProfile; latest wins per profile id (a newer profile under the same id replaces one
   * still queued). Taken, it replaced what sat in its slot on the charger (OCPP 1.6 §3.13.2), an
   * operator's profile too: gone from the operator view. Not through the executor's hooks (its
   * local calls bypass them), so here, on every route. `onLateAccepted`: the charger accepted it
   * after our timeout (a socket of this replica only), run once the operator view caught up.
   */
  async setProfile(stationId: string, built: BuiltProfile, ctx?: StationContext, onLateAccepted?: () => void): Promise<OcppCommandReply> {
    const payload = { connectorId: built.connectorId, csChargingProfiles: built.profile } as unknown as JsonObject;
    const onLate = onLateAccepted && ((late: OcppCommandReply) => {
      if (!lateAcceptance(late)) return false; // refused or failed late: the timeout was a failure already
      void this.replaced(stationId, built).then(onLateAccepted);
      return true;
    });
    const reply = await this.call(stationId, 'SetChargingProfile', payload, { ctx, coalesceKey: `profile:${built.profile.chargingProfileId}`, onLate });
    if (lateAcceptance(reply)) await this.replaced(stationId, built);
    return reply;
  }

  private async replaced(stationId: string, built: BuiltProfile): Promise<void> {
    const { chargingProfilePurpose: purpose, stackLevel } = built.profile;
    await this.operatorProfiles.replacedBy(stationId, built.connectorId, purpose, stackLevel).catch((err: unknown) =>
      // The grid limit is on the charger either way; only the view may list the replaced profile until it is cleared.
      this.logger.warn({ err, stationId, connectorId: built.connectorId, purpose, stackLevel }, 'could not drop an operator profile a grid profile replaced from the view'),
    );
  }
}
