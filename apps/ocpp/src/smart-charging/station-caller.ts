import { Injectable } from '@nestjs/common';
import type { OcppCommandReply } from '@cpo/contracts';
import type { CsAction16, JsonObject } from '@cpo/ocpp-protocol';
import { registrationRefusal, replyOf } from '../commands/command-executor.js';
import { CommandService } from '../commands/command.service.js';
import { SessionRegistry } from '../connection/session-registry.js';
import type { StationContext } from '../connection/station-context.js';
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
  ) {}

  /** `coalesceKey`: latest wins, a newer CALL under the same key replaces one still queued for the charger. */
  async call(stationId: string, action: CsAction16, payload: JsonObject, o: { ctx?: StationContext; coalesceKey?: string } = {}): Promise<OcppCommandReply> {
    const local = o.ctx ?? this.registry.get(stationId);
    if (local) return registrationRefusal(local, action) ?? replyOf(await local.call(action, payload, o.coalesceKey ? { coalesceKey: o.coalesceKey } : {}), action);
    return this.commands.send(stationId, { action, payload });
  }

  /** SetChargingProfile; latest wins per profile id (a newer profile under the same id replaces one still queued). */
  setProfile(stationId: string, built: BuiltProfile, ctx?: StationContext): Promise<OcppCommandReply> {
    const payload = { connectorId: built.connectorId, csChargingProfiles: built.profile } as unknown as JsonObject;
    return this.call(stationId, 'SetChargingProfile', payload, { ctx, coalesceKey: `profile:${built.profile.chargingProfileId}` });
  }
}
