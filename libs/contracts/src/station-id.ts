const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Whether `id` is a charge point identity under the widest rule a charger may connect with (the
 * legacy one: 1–48 printable characters without `:` and `/`, which would break the URL path and
 * the Basic-auth user). Stations are named by it in every service and in bus subjects.
 */
export function isLegacyStationIdentity(id: string): boolean {
  const chars = [...id];
  return chars.length >= 1 && chars.length <= 48 && chars.every((c) => c.charCodeAt(0) > 0x1f && c !== '\u007f' && c !== ':' && c !== '/');
}

/**
 * Why `id` cannot name a station, or undefined: a legacy identity (above), and well-formed text,
 * since the id becomes a bus subject token. One rule for every service that names stations (the
 * ocpp service's commands, the planner's topology): a station kept under another id could never connect.
 */
export function stationIdProblem(id: unknown): string | undefined {
  if (typeof id !== 'string') return 'must be a string';
  if (!isLegacyStationIdentity(id)) return "must be 1–48 printable characters without ':' or '/'";
  if (LONE_SURROGATE.test(id)) return 'must be well-formed text';
  return undefined;
}
