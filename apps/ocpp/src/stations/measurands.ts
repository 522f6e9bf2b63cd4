/** Measurands the planner and the grid reports need (guide §3.2); SoC where the charger has it. */
export const WANTED_MEASURANDS = ['Energy.Active.Import.Register', 'Power.Active.Import', 'Current.Import', 'Current.Offered', 'SoC'];

type ConfigurationKey = { key: string; readonly: boolean; value?: string };

/**
 * The `MeterValuesSampledData` to ask a charger for, or undefined when nothing should change (the
 * key is absent, read-only, or already right). Keys are CiString: looked up case-insensitively.
 * The list holds at most `MeterValuesSampledDataMaxLength` items, 1 when that key is absent or
 * not a positive integer (guide §2.2), yet never fewer than the charger holds now (it evidently
 * can), and never none: an empty value would stop every sampled measurand.
 */
export function sampledDataChange(keys: ConfigurationKey[]): string | undefined {
  const find = (name: string) => keys.find((k) => k.key.toLowerCase() === name.toLowerCase());
  const sampled = find('MeterValuesSampledData');
  if (!sampled || sampled.readonly) return undefined;
  const declared = find('MeterValuesSampledDataMaxLength')?.value?.trim();
  const current = (sampled.value ?? '').split(',').map((m) => m.trim()).filter(Boolean);
  const max = Math.max(declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : 1, current.length, 1);
  const wanted = [...new Set([...WANTED_MEASURANDS.filter((m) => m !== 'SoC' || current.includes('SoC')), ...current])].slice(0, max);
  return wanted.length === 0 || wanted.join(',') === current.join(',') ? undefined : wanted.join(',');
}
