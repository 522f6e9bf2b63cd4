/**
 * The price of a session under a 2.2.1 Tariff (`mod_tariffs` §Tariff, PriceComponent): FLAT once,
 * ENERGY per kWh, TIME and PARKING_TIME per hour, each billed in whole `step_size` steps (Wh or
 * seconds). For each dimension the first element that prices it applies; restrictions (time of
 * day, minimum kWh, …) are not evaluated, so tariffs whose price depends on them are priced by
 * their first element only.
 */
type Json = Record<string, unknown>;

export interface SessionUsage {
  kwh: number;
  /** Charging time in hours. */
  hours: number;
  parkingHours?: number;
}

export interface Price {
  excl_vat: number;
  incl_vat?: number;
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;

export function priceSession(tariff: Json | undefined, usage: SessionUsage): Price {
  if (!tariff || !Array.isArray(tariff.elements)) return { excl_vat: 0 };
  const seen = new Set<string>();
  let excl = 0;
  let incl = 0;
  let allVat = true;
  for (const el of tariff.elements as Json[]) {
    for (const pc of (el.price_components as Json[] | undefined) ?? []) {
      const type = String(pc.type);
      if (seen.has(type)) continue;
      seen.add(type);
      const price = Number(pc.price) || 0;
      const step = Math.max(1, Number(pc.step_size) || 1);
      let amount = 0;
      if (type === 'FLAT') amount = price;
      else if (type === 'ENERGY') amount = (Math.ceil((usage.kwh * 1000) / step) * step * price) / 1000;
      else if (type === 'TIME') amount = (Math.ceil((usage.hours * 3600) / step) * step * price) / 3600;
      else if (type === 'PARKING_TIME') amount = (Math.ceil(((usage.parkingHours ?? 0) * 3600) / step) * step * price) / 3600;
      excl += amount;
      if (typeof pc.vat === 'number') incl += amount * (1 + pc.vat / 100);
      else allVat = false;
    }
  }
  return allVat && seen.size > 0 ? { excl_vat: round(excl), incl_vat: round(incl) } : { excl_vat: round(excl) };
}
