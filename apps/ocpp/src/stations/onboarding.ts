import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import { CommandExecutor } from '../commands/command-executor.js';
import { StationLifecycle } from '../connection/station-lifecycle.js';
import type { StationContext } from '../connection/station-context.js';
import { sampledDataChange } from './measurands.js';
import { StationConfigurationRepository } from './station-configuration.repository.js';

export { WANTED_MEASURANDS } from './measurands.js';

/**
 * Onboarding: read the whole configuration (capabilities are derived from it and the read is
 * recorded as `configuration_read_at` by ConfigurationEffects) and ask for the measurands we need,
 * trimmed to what the charger says it can hold. It runs after an accepted boot whose details
 * changed (first boot, new firmware), and after any accepted boot or reconnection of an accepted
 * station whose configuration has not been read yet: a failed read (CallError, timeout, socket
 * gone) is retried at the next chance instead of leaving the capabilities empty until a firmware
 * change. Every refusal is just recorded: the station keeps working with what it has.
 */
@Injectable()
export class Onboarding implements OnModuleInit {
  /** Connections being onboarded: a boot right after a reconnection must not read twice. */
  private readonly running = new Set<string>();

  constructor(
    private readonly lifecycle: StationLifecycle,
    private readonly executor: CommandExecutor,
    private readonly configuration: StationConfigurationRepository,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.lifecycle.onAccepted(async (ctx, { bootChanged }) => {
      if (bootChanged || !(await this.configuration.configurationRead(ctx.stationId))) await this.onboard(ctx);
    });
    this.lifecycle.onConnected(async (ctx) => {
      if (!(await this.configuration.configurationRead(ctx.stationId))) await this.onboard(ctx);
    });
  }

  private async onboard(ctx: StationContext): Promise<void> {
    if (this.running.has(ctx.connectionId)) return;
    this.running.add(ctx.connectionId);
    try {
      const read = await this.executor.execute(ctx, { action: 'GetConfiguration', payload: {} });
      if (read.status !== 'ok') {
        this.logger.warn({ stationId: ctx.stationId, code: read.code, description: read.description }, 'onboarding configuration read failed; retried at the next boot or connection');
        return;
      }
      const keys = (read.payload as unknown as Ocpp16.GetConfigurationResponse).configurationKey ?? [];
      const value = sampledDataChange(keys);
      if (value !== undefined) await this.executor.execute(ctx, { action: 'ChangeConfiguration', payload: { key: 'MeterValuesSampledData', value } });
    } finally {
      this.running.delete(ctx.connectionId);
    }
  }
}
