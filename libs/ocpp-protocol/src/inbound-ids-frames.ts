/** Frame texts as InboundIds compares and rebuilds them (kept apart from its bookkeeping). */

/**
 * Whether two CALL frames carry the same message: the same JSON values, whatever the whitespace,
 * the key order or the spelling of a number (`1.0`, `1`). Both texts parsed as frames before.
 */
export function sameMessage(a: string, b: string): boolean {
  // The raw texts: without the byte-order mark parseFrame strips, or JSON.parse throws.
  return sameJson(JSON.parse(a.replace(/^\uFEFF/, '')), JSON.parse(b.replace(/^\uFEFF/, '')));
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((k) => Object.hasOwn(y, k) && sameJson(x[k], y[k]));
}

/**
 * A stored CALLRESULT with its `currentTime` (a BootNotification's) set to now: the charger sets its
 * clock from it, and the stored one is as old as the first answer.
 */
export function withFreshTime(frame: string): string {
  const parsed = JSON.parse(frame) as unknown[];
  const payload = parsed[2] as Record<string, unknown> | undefined;
  if (typeof payload !== 'object' || payload === null || typeof payload['currentTime'] !== 'string') return frame;
  return JSON.stringify([parsed[0], parsed[1], { ...payload, currentTime: new Date().toISOString() }]);
}

/** The CALLRESULT with an empty payload, exactly as `serializeCallResult` writes it. */
export function emptyResult(uniqueId: string): string {
  return `[3,${JSON.stringify(uniqueId)},{}]`;
}
