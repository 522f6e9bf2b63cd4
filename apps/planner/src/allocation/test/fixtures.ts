/** Builders for allocator tests: chargers and connectors with sensible Taiwanese defaults. */
import type { AllocationInput, ChargerSpec, ConnectorDemand, SitePhase } from '../types.js';

/** Taiwan LV phase-to-neutral voltage. */
export const V = 220;
export const THREE: readonly SitePhase[] = ['L1', 'L2', 'L3'];

/** An AC charger, 3-phase and controllable unless overridden. */
export function acCharger(id: string, maxCurrentA: number, extra: Partial<ChargerSpec> = {}): ChargerSpec {
  return { id, current: 'AC', phases: THREE, maxCurrentA, controllable: true, ...extra };
}

/** A connector demand; 32 A rating, 3 phases, priority 0, arrived at 0 and not yet charging unless overridden. */
export function conn(id: string, chargerId: string, extra: Partial<ConnectorDemand> = {}): ConnectorDemand {
  return { id, chargerId, phases: THREE, maxima: { rating: 32 }, priority: 0, arrivalMs: 0, charging: false, ...extra };
}

/** An input at 220 V with the given available power. */
export function input(availableW: number, chargers: ChargerSpec[], connectors: ConnectorDemand[], extra: Partial<AllocationInput> = {}): AllocationInput {
  return { nominalVoltageV: V, availableW, chargers, connectors, ...extra };
}
