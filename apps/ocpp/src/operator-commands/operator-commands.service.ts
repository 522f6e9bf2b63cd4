import { Injectable } from '@nestjs/common';
import type { OcppCommandReply } from '@cpo/contracts';
import { ConflictError, ValidationError } from '@cpo/platform';
import type { CsAction16 } from '@cpo/ocpp-protocol';
import { CommandService } from '../commands/command.service.js';
import { LocalCommandErrorCode } from '../commands/command-executor.js';
import { OperatorRuleChecks } from './operator-rule-checks.js';
import { UnknownStations } from './unknown-stations.js';

export interface OperatorCommand {
  action: CsAction16;
  payload: Record<string, unknown>;
  timeoutMs?: number;
}

/**
 * Commands from operators (REST): the command service, after the rules that keep an operator from
 * lifting the grid limits by accident (OperatorRuleChecks: a reserved profile id, a grid limit's
 * stack level), and with a station never registered named as such (UnknownStations) rather than `Offline`.
 */
@Injectable()
export class OperatorCommands {
  constructor(
    private readonly commands: CommandService,
    private readonly rules: OperatorRuleChecks,
    private readonly unknown: UnknownStations,
  ) {}

  async send(stationId: string, command: OperatorCommand): Promise<OcppCommandReply> {
    const reply = (await this.rules.refusal(stationId, command)) ?? (await this.commands.send(stationId, command));
    const [named] = await this.unknown.name([{ stationId, reply }]);
    return named!.reply;
  }

  /** One result per station; an invalid payload or a reserved id refuses the whole request (it is wrong for every station). */
  async sendMany(stationIds: string[], command: OperatorCommand): Promise<{ stationId: string; reply: OcppCommandReply }[]> {
    const refused = this.commands.check(command) ?? this.rules.requestRefusal(command, stationIds);
    if (refused?.status === 'error') {
      if (refused.code === LocalCommandErrorCode.Conflict) throw new ConflictError(refused.description, refused.details);
      throw new ValidationError(refused.description, refused.details);
    }
    const refusals = await this.rules.stationRefusals(stationIds, command);
    const sent = await this.commands.sendMany(stationIds.filter((id) => !refusals.has(id)), command);
    const byStation = new Map(sent.map((r) => [r.stationId, r.reply]));
    return this.unknown.name(stationIds.map((stationId) => ({ stationId, reply: refusals.get(stationId) ?? byStation.get(stationId)! })));
  }
}
