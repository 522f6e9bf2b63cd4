import type { JsonObject } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import { CommandExecutor } from '../src/commands/command-executor.js';
import type { CallOutcome } from '../src/connection/outbound-calls.js';
import type { CallOptions, StationContext } from '../src/connection/station-context.js';
import { BootTriggers } from '../src/stations/boot-triggers.js';
import { ConfigurationEffects } from '../src/stations/configuration.effects.js';
import type { ConnectorNotices } from '../src/stations/connector-notices.js';
import type { StationConfigurationRepository } from '../src/stations/station-configuration.repository.js';
import type { StationRepository } from '../src/stations/station.repository.js';

/** A connected, accepted station's context for unit specs of command effects; `call` and the rest overridable. */
export function fakeStation(overrides: Partial<StationContext> = {}): StationContext {
  return {
    stationId: 'CP-1',
    protocol: 'ocpp1.6',
    connectionId: 'c1',
    connectedAt: new Date(0),
    known: true,
    registration: 'Accepted',
    validationPolicy: 'strict',
    call: async () => ({ kind: 'result', payload: {} }),
    expectTriggered: () => undefined,
    ...overrides,
  };
}

/**
 * A station whose calls end with `outcome` (a timeout by default: timed out in flight), keeping each
 * call's late-answer hook: `late(o)` is the charger's answer to the last call arriving afterwards.
 */
export function timedOutStation(outcome: CallOutcome = { kind: 'timeout' }, overrides: Partial<StationContext> = {}) {
  let hook: ((o: CallOutcome) => boolean) | undefined;
  const ctx = fakeStation({
    call: async (_action: string, _payload: JsonObject, options?: CallOptions) => {
      hook = options?.onLateAnswer;
      return outcome;
    },
    ...overrides,
  });
  return { ctx, late: (o: CallOutcome) => hook!(o) };
}

/**
 * A command executor with the configuration effects' hooks (TriggerMessage windows, boot triggers),
 * for unit specs of what a TriggerMessage's answer settles.
 */
export function triggerEffects(logger: Logger) {
  const executor = new CommandExecutor(logger);
  const bootTriggers = new BootTriggers();
  const stations = { learnTriggerSupport: async () => undefined } as unknown as StationRepository;
  new ConfigurationEffects(executor, stations, {} as StationConfigurationRepository, {} as ConnectorNotices, logger, bootTriggers).onModuleInit();
  return { executor, bootTriggers };
}
