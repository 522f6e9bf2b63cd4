import type { SimulatedStation } from './station/simulated-station.js';
import { sessionToken } from './token.js';

/**
 * One timed step of a scripted scenario: `atS` seconds after the fleet
 * started, on the station(s) whose identity matches `station` (`*` = all).
 */
export interface ScenarioStep {
  atS: number;
  station: string;
  do: 'start' | 'stop' | 'fault' | 'recover' | 'disconnect';
  connector?: number;
  idTag?: string;
  evMaxKw?: number;
}

const DOES = new Set(['start', 'stop', 'fault', 'recover', 'disconnect']);

/** Checks a scenario read from a file; returns the problems, each naming its step. */
export function validateScenario(steps: unknown): string[] {
  if (!Array.isArray(steps)) return ['scenario must be a list of steps'];
  return steps.flatMap((raw, i) => {
    const s = raw as Partial<ScenarioStep>;
    const problems: string[] = [];
    if (typeof s.atS !== 'number' || s.atS < 0) problems.push(`step ${i}: atS must be a number ≥ 0`);
    if (typeof s.station !== 'string') problems.push(`step ${i}: station must be an identity or *`);
    if (!DOES.has(String(s.do))) problems.push(`step ${i}: do must be one of ${[...DOES].join(', ')}`);
    if (s.connector !== undefined && (!Number.isInteger(s.connector) || s.connector < 1)) problems.push(`step ${i}: connector must be ≥ 1`);
    if (s.idTag !== undefined && (typeof s.idTag !== 'string' || s.idTag.length < 1 || s.idTag.length > 20)) problems.push(`step ${i}: idTag must be 1 to 20 characters (OCPP idTag)`);
    return problems;
  });
}

/** Applies one step to one station. Errors are the station's business (counted in its stats), not the fleet's. */
export async function applyStep(sim: SimulatedStation, step: ScenarioStep): Promise<void> {
  const connector = step.connector ?? 1;
  switch (step.do) {
    case 'start':
      await sim.startSession(connector, step.idTag ?? sessionToken(sim.identity, connector), (step.evMaxKw ?? 11) * 1000);
      return;
    case 'stop':
      await sim.stopSession(connector, 'EVDisconnected');
      return;
    case 'fault':
      if (sim.connectors[connector].transaction) await sim.stopSession(connector, 'Other');
      await sim.setStatus(connector, 'Faulted');
      return;
    case 'recover':
      await sim.setStatus(connector, 'Available');
      return;
    case 'disconnect':
      sim.dropConnection();
      return;
  }
}

export function matches(sim: SimulatedStation, step: ScenarioStep): boolean {
  return step.station === '*' || step.station === sim.identity;
}
