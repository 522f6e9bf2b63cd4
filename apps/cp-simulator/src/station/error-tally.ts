import { OcppDisconnectedError, OcppCallError, OcppTimeoutError } from '@cpo/ocpp-chargepoint';

export interface ErrorKindCount {
  count: number;
  /** The first message of the kind, in full (messages hold ids, so they cannot be the key). */
  example: string;
}

/** `StartTransaction: InternalError`, `Authorize: FormationViolation (not sent)`, `Heartbeat: timeout`, `session start: <message>`… */
export function errorKind(context: string, err: unknown): string {
  // The SDK's schema check refuses an invalid CALL with a CallError of its own, before sending it.
  if (err instanceof OcppCallError) return `${context}: ${err.code}${err.description.startsWith('refusing to send') ? ' (not sent)' : ''}`;
  if (err instanceof OcppTimeoutError) return `${context}: timeout`;
  if (err instanceof OcppDisconnectedError) return `${context}: disconnected`;
  return `${context}: ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * A station's failures by kind, for the run report. A failed CALL is recorded
 * where it happens, with its action, and is then rethrown through the session
 * or scenario step that made it: each error object counts once.
 */
export class ErrorTally {
  private readonly kinds = new Map<string, ErrorKindCount>();
  private readonly seen = new WeakSet<object>();

  /** false when this error was already recorded. */
  record(context: string, err: unknown): boolean {
    if (typeof err === 'object' && err !== null) {
      if (this.seen.has(err)) return false;
      this.seen.add(err);
    }
    const kind = errorKind(context, err);
    const known = this.kinds.get(kind);
    if (known) known.count += 1;
    else this.kinds.set(kind, { count: 1, example: err instanceof Error ? err.message : String(err) });
    return true;
  }

  byKind(): Record<string, ErrorKindCount> {
    return Object.fromEntries([...this.kinds].map(([k, v]) => [k, { ...v }]));
  }
}

/** Sums the tallies of many stations (the first example of a kind wins). */
export function mergeKinds(tallies: Record<string, ErrorKindCount>[]): Record<string, ErrorKindCount> {
  const out: Record<string, ErrorKindCount> = {};
  for (const t of tallies) for (const [k, v] of Object.entries(t)) out[k] = out[k] ? { count: out[k].count + v.count, example: out[k].example } : { ...v };
  return out;
}
