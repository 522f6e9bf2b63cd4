import { MAX_KEA_SOLAR_PORT } from '@cpo/rems-protocol';

export type ModulePortCheck = 'ok' | 'duplicate' | 'out_of_range';

/**
 * The 4-module rule (§2): a transceiver linked to KEA solar has ports 0–3 only, so at most four
 * modules. Others take any port. A port is used by one module.
 */
export function checkModulePort(keaSolar: boolean, existingPorts: readonly number[], port: number): ModulePortCheck {
  if (existingPorts.includes(port)) return 'duplicate';
  if (keaSolar && (port > MAX_KEA_SOLAR_PORT || existingPorts.length >= MAX_KEA_SOLAR_PORT + 1)) return 'out_of_range';
  return 'ok';
}
