import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { CommandExecutor } from '../commands/command-executor.js';
import { StationLifecycle } from '../connection/station-lifecycle.js';
import type { StationContext } from '../connection/station-context.js';

/** Measurands the planner and the grid reports need (guide §3.2); SoC where the charger has it. */
export const WANTED_MEASURANDS = ['Energy.Active.Import.Register', 'Power.Active.Import', 'Current.Import', 'Current.Offered', 'SoC'];

/**
 * Onboarding after an accepted boot whose details changed (first boot, new firmware): read the
 * whole configuration (capabilities are derived from it) and ask for the measurands we need,
 * trimmed to what the charger says it can hold. Every refusal is just recorded: the station keeps
 * working with what it has.
 */
@Injectable()
export class Onboarding implements OnModuleInit {
  constructor(
    private readonly lifecycle: StationLifecycle,
    private readonly executor: CommandExecutor,
  ) {}

  onModuleInit(): void {
    this.lifecycle.onAccepted(async (ctx, { bootChanged }) => {
      if (bootChanged) await this.onboard(ctx);
    });
  }

  private async onboard(ctx: StationContext): Promise<void> {
    const read = await this.executor.execute(ctx, { action: 'GetConfiguration', payload: {} });
    if (read.status !== 'ok') return;
    const keys = (read.payload as unknown as Ocpp16.GetConfigurationResponse).configurationKey ?? [];
    const sampled = keys.find((k) => k.key === 'MeterValuesSampledData');
    if (!sampled || sampled.readonly) return;
    const max = Number(keys.find((k) => k.key === 'MeterValuesSampledDataMaxLength')?.value ?? WANTED_MEASURANDS.length);
    const current = (sampled.value ?? '').split(',').map((m) => m.trim()).filter(Boolean);
    const wanted = [...new Set([...WANTED_MEASURANDS.filter((m) => m !== 'SoC' || current.includes('SoC')), ...current])].slice(0, Math.max(1, max));
    if (wanted.join(',') === current.join(',')) return;
    await this.executor.execute(ctx, { action: 'ChangeConfiguration', payload: { key: 'MeterValuesSampledData', value: wanted.join(',') } });
  }
}
