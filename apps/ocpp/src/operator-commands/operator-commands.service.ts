import { Inject, Injectable } from '@nestjs/common';
import type { OcppCommandReply } from '@cpo/contracts';
import { APP_CONFIG, ConflictError, ValidationError } from '@cpo/platform';
import type { CsAction16 } from '@cpo/ocpp-protocol';
import { CommandService } from '../commands/command.service.js';
import type { OcppConfig } from '../config.js';
import { ChargingProfileRepository } from '../smart-charging/charging-profile.repository.js';
import { expiredReservationRefusal, managedSlotRefusal, operatorCommandRefusal, sharedKeyRefusal, type ManagedProfile } from './operator-rules.js';
import { UnknownStations } from './unknown-stations.js';

export interface OperatorCommand {
  action: CsAction16;
  payload: Record<string, unknown>;
  timeoutMs?: number;
}

/**
 * Commands from operators (REST): the command service, after the rules that keep an operator from
 * lifting the grid limits by accident (a reserved profile id, a grid limit's stack level), and
 * with a station never registered named as such (UnknownStations) rather than `Offline`.
 */
@Injectable()
export class OperatorCommands {
  constructor(
    private readonly commands: CommandService,
    private readonly profiles: ChargingProfileRepository,
    private readonly unknown: UnknownStations,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
  ) {}

  async send(stationId: string, command: OperatorCommand): Promise<OcppCommandReply> {
    const expired = expiredReservationRefusal(command.action, command.payload);
    if (expired) return expired;
    const reply = operatorCommandRefusal(command.action, command.payload) ?? (await this.slotRefusals([stationId], command)).get(stationId) ?? (await this.commands.send(stationId, command));
    const [named] = await this.unknown.name([{ stationId, reply }]);
    return named!.reply;
  }

  /** One result per station; an invalid payload or a reserved id refuses the whole request (it is wrong for every station). */
  async sendMany(stationIds: string[], command: OperatorCommand): Promise<{ stationId: string; reply: OcppCommandReply }[]> {
    const invalid = this.commands.check(command) ?? expiredReservationRefusal(command.action, command.payload) ?? sharedKeyRefusal(command.action, command.payload, stationIds);
    if (invalid?.status === 'error') throw new ValidationError(invalid.description, invalid.details);
    const refused = operatorCommandRefusal(command.action, command.payload);
    if (refused?.status === 'error') throw new ConflictError(refused.description, refused.details);
    const refusals = await this.slotRefusals(stationIds, command);
    const sent = await this.commands.sendMany(stationIds.filter((id) => !refusals.has(id)), command);
    const byStation = new Map(sent.map((r) => [r.stationId, r.reply]));
    return this.unknown.name(stationIds.map((stationId) => ({ stationId, reply: refusals.get(stationId) ?? byStation.get(stationId)! })));
  }

  private async slotRefusals(stationIds: string[], command: OperatorCommand): Promise<Map<string, OcppCommandReply>> {
    const refusals = new Map<string, OcppCommandReply>();
    if (command.action !== 'SetChargingProfile' && command.action !== 'RemoteStartTransaction') return refusals;
    for (const [stationId, rows] of await this.profiles.managedOf(stationIds)) {
      const managed: ManagedProfile[] = rows.map((row) => ({
        connectorId: row.connectorId,
        purpose: typeof row.applied?.['chargingProfilePurpose'] === 'string' ? row.applied['chargingProfilePurpose'] : row.purpose,
        stackLevel: typeof row.applied?.['stackLevel'] === 'number' ? row.applied['stackLevel'] : row.stackLevel,
      }));
      const reply = managedSlotRefusal(command.action, command.payload, managed, this.config.OCPP_PROFILE_LEASE_S > 0);
      if (reply) refusals.set(stationId, reply);
    }
    return refusals;
  }
}
