import { Injectable, type OnModuleInit } from '@nestjs/common';
import { triggeredActions16, type Ocpp16 } from '@cpo/ocpp-protocol';
import { CommandExecutor } from '../commands/command-executor.js';
import { capabilitiesFrom } from './capabilities.js';
import { hashPassword } from './password.js';
import { StationRepository } from './station.repository.js';

/**
 * Keeps what we know of a charger's configuration in step with the commands it accepted: the keys
 * it reported, the capabilities derived from them, and the Basic-auth key after a rotation
 * (TC_073: switch to the new key only when the charger accepted it).
 */
@Injectable()
export class ConfigurationEffects implements OnModuleInit {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly stations: StationRepository,
  ) {}

  onModuleInit(): void {
    this.executor.afterAnswer('GetConfiguration', async (ctx, payload, answer) => {
      const keys = (answer as unknown as Ocpp16.GetConfigurationResponse).configurationKey ?? [];
      const askedAll = !((payload as unknown as Ocpp16.GetConfigurationRequest).key?.length);
      await this.stations.mergeConfiguration(ctx.stationId, keys, askedAll ? capabilitiesFrom(keys) : undefined);
    });
    this.executor.afterAnswer('ChangeConfiguration', async (ctx, payload, answer) => {
      const req = payload as unknown as Ocpp16.ChangeConfigurationRequest;
      const status = (answer as unknown as Ocpp16.ChangeConfigurationResponse).status;
      if (status !== 'Accepted' && status !== 'RebootRequired') return;
      if (req.key === 'AuthorizationKey') {
        await this.stations.setPassword(ctx.stationId, await hashPassword(req.value));
        return; // write-only: never stored in clear
      }
      await this.stations.mergeConfiguration(ctx.stationId, [{ key: req.key, readonly: false, value: req.value }]);
    });
    for (const action of ['TriggerMessage', 'ExtendedTriggerMessage'] as const) {
      this.executor.beforeSending(action, async (ctx, payload) => {
        const requested = (payload as unknown as Ocpp16.TriggerMessageRequest | Ocpp16.ExtendedTriggerMessageRequest).requestedMessage;
        if (typeof requested === 'string') for (const triggered of triggeredActions16(requested)) ctx.expectTriggered(triggered);
        return payload;
      });
    }
  }
}
