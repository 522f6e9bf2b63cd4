import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { CommandExecutor } from '../commands/command-executor.js';
import { isManagedProfileId } from '../smart-charging/profile-builder.js';
import { OperatorProfilesRepository } from './operator-profiles.repository.js';

/**
 * Keeps the profiles that commands from outside install (an operator's SetChargingProfile over REST
 * or the bus, another service's, the TxProfile an accepted RemoteStartTransaction carried) as the
 * charger holds them, for the station's view: smart charging keeps its own (`charging_profiles`;
 * their ids are refused to operators, so none is both). Only an answer counts: a SetChargingProfile
 * left unanswered may or may not have been installed, and is not shown as if it were.
 */
@Injectable()
export class OperatorProfilesEffects implements OnModuleInit {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly profiles: OperatorProfilesRepository,
  ) {}

  onModuleInit(): void {
    this.executor.afterAnswer('SetChargingProfile', async (ctx, payload, answer) => {
      const req = payload as unknown as Ocpp16.SetChargingProfileRequest;
      if ((answer as unknown as Ocpp16.SetChargingProfileResponse).status !== 'Accepted' || isManagedProfileId(req.csChargingProfiles.chargingProfileId)) return;
      await this.profiles.installed(ctx.stationId, req.connectorId, req.csChargingProfiles);
    });
    // A RemoteStartTransaction's TxProfile (§5.11) is installed as SetChargingProfile's, for the transaction the start brings.
    this.executor.afterAnswer('RemoteStartTransaction', async (ctx, payload, answer) => {
      const req = payload as unknown as Ocpp16.RemoteStartTransactionRequest;
      const profile = req.chargingProfile;
      if ((answer as unknown as Ocpp16.RemoteStartTransactionResponse).status !== 'Accepted' || !profile || isManagedProfileId(profile.chargingProfileId)) return;
      const remoteStartId = await this.profiles.remoteStartOf(ctx.stationId, req.idTag, req.connectorId);
      if (remoteStartId !== undefined) await this.profiles.installedByRemoteStart(ctx.stationId, req.connectorId, profile, remoteStartId);
    });
    // `Unknown`: the charger holds none of them, whatever we had recorded.
    this.executor.afterAnswer('ClearChargingProfile', async (ctx, payload, answer) => {
      const { status } = answer as unknown as Ocpp16.ClearChargingProfileResponse;
      if (status === 'Accepted' || status === 'Unknown') await this.profiles.cleared(ctx.stationId, payload as unknown as Ocpp16.ClearChargingProfileRequest);
    });
  }
}
