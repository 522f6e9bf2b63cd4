import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { OcppCommandReply, OcppCommandRequest } from '@cpo/contracts';
import { APP_CONFIG } from '@cpo/platform';
import { isCsAction16 } from '@cpo/ocpp-protocol';
import type { OcppConfig } from '../config.js';
import { StationCommands } from '../connection/station-commands.js';
import { ChargingProfileRepository } from '../smart-charging/charging-profile.repository.js';
import { ConnectorCounts } from './connector-counts.js';
import { connectorCountRefusal, expiredReservationRefusal, managedSlotRefusal, operatorCommandRefusal, sharedKeyRefusal, type ManagedProfile } from './operator-rules.js';

/**
 * The operator rules (operator-rules.ts; the stations' NumberOfConnectors from ConnectorCounts) in
 * the order every entry from outside applies them: the REST commands (one station, bulk) and the
 * commands another service or a script sends on `ocpp.command.{id}` (StationCommands, where the
 * station's socket is). Not smart charging's own profiles, which are the grid limits these rules
 * protect, nor a command one of our replicas forwards to another (its entry checked it already).
 */
@Injectable()
export class OperatorRuleChecks implements OnModuleInit {
  constructor(
    private readonly profiles: ChargingProfileRepository,
    private readonly stationCommands: StationCommands,
    private readonly connectorCounts: ConnectorCounts,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
  ) {}

  onModuleInit(): void {
    // StationCommands lives in the connection module, which does not reach the stored profiles.
    this.stationCommands.checkedBy((stationId, request) => this.refusal(stationId, request));
  }

  /**
   * Why the command must go to none of these stations, if so: the same for each of them (an
   * expired reservation or a key shared by several stations: InvalidRequest; a grid limit's
   * profile id: Conflict), so a bulk request is refused as a whole.
   */
  requestRefusal(request: OcppCommandRequest, stationIds: readonly string[]): OcppCommandReply | undefined {
    const { action, payload } = request;
    if (!isCsAction16(action)) return undefined;
    return expiredReservationRefusal(action, payload) ?? sharedKeyRefusal(action, payload, stationIds) ?? operatorCommandRefusal(action, payload);
  }

  /**
   * Of these stations, those the command names a connector of that they lack (InvalidRequest), else
   * where it would take a grid limit's place (Conflict), by station.
   */
  async stationRefusals(stationIds: readonly string[], request: OcppCommandRequest): Promise<Map<string, OcppCommandReply>> {
    const refusals = new Map<string, OcppCommandReply>();
    const { action, payload } = request;
    if (!isCsAction16(action)) return refusals;
    if (typeof payload['connectorId'] === 'number' && payload['connectorId'] > 0) {
      for (const [stationId, count] of await this.connectorCounts.of(stationIds)) {
        const reply = connectorCountRefusal(action, payload, count);
        if (reply) refusals.set(stationId, reply);
      }
    }
    if (action !== 'SetChargingProfile' && action !== 'RemoteStartTransaction') return refusals;
    for (const [stationId, rows] of await this.profiles.managedOf([...stationIds])) {
      const managed: ManagedProfile[] = rows.map((row) => ({
        connectorId: row.connectorId,
        purpose: typeof row.applied?.['chargingProfilePurpose'] === 'string' ? row.applied['chargingProfilePurpose'] : row.purpose,
        stackLevel: typeof row.applied?.['stackLevel'] === 'number' ? row.applied['stackLevel'] : row.stackLevel,
      }));
      const reply = managedSlotRefusal(action, payload, managed, this.config.OCPP_PROFILE_LEASE_S > 0);
      // A 400 comes before a 409.
      if (reply && !refusals.has(stationId)) refusals.set(stationId, reply);
    }
    return refusals;
  }

  /** Why the command must not go to this one station, if so (every rule, in the order above). */
  async refusal(stationId: string, request: OcppCommandRequest): Promise<OcppCommandReply | undefined> {
    return this.requestRefusal(request, [stationId]) ?? (await this.stationRefusals([stationId], request)).get(stationId);
  }
}
