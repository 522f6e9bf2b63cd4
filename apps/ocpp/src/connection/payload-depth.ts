/**
 * How deeply an inbound payload may nest objects and arrays. No OCPP 1.6 message needs more than
 * five levels (MeterValues: payload → meterValue[] → {} → sampledValue[] → {}); a charger's deeper
 * payload is refused as a FormationViolation before anything walks it. Deep nesting is not only
 * garbage: V8's JSON.stringify overflows the stack at about 4,000 levels, so such a payload would
 * fail again wherever it is serialised (a CallError's details, a database row, a bus message).
 */
export const MAX_PAYLOAD_DEPTH = 32;

/**
 * True when `value` nests objects/arrays more than `limit` levels deep (the value itself is level
 * 1). Iterative: the depth is the sender's choice and must not be able to exhaust our stack.
 */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const pending: [container: object, depth: number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [container, depth] = next;
    if (depth > limit) return true;
    const children: unknown[] = Array.isArray(container) ? container : Object.values(container);
    for (const child of children) if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
  }
  return false;
}
