import type { CommandStatus } from './types.js';

/** Terminal statuses: a command in one of them is `processed`. */
export const TERMINAL_STATUSES: readonly CommandStatus[] = ['COMPLETED', 'CANCELLED', 'ERROR'];

export function isTerminal(status: CommandStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/**
 * Device-driven status transitions (§2): REQUESTED → PROCESSING | ERROR, PROCESSING → COMPLETED |
 * CANCELLED | ERROR, and (devices that skip the acknowledgement) REQUESTED → COMPLETED | CANCELLED.
 */
const ALLOWED: Readonly<Record<CommandStatus, readonly CommandStatus[]>> = {
  REQUESTED: ['PROCESSING', 'ERROR', 'COMPLETED', 'CANCELLED'],
  PROCESSING: ['COMPLETED', 'CANCELLED', 'ERROR'],
  COMPLETED: [],
  CANCELLED: [],
  ERROR: [],
};

/** `apply`: change the status; `noop`: already there (answer `true`, change nothing); `invalid`: 409. */
export type TransitionOutcome = 'apply' | 'noop' | 'invalid';

export function checkTransition(from: CommandStatus, to: CommandStatus): TransitionOutcome {
  if (from === to) return 'noop';
  return ALLOWED[from].includes(to) ? 'apply' : 'invalid';
}

/** Whether a transition skipped the acknowledgement (REQUESTED straight to a result), which is logged. */
export function skipsAcknowledgement(from: CommandStatus, to: CommandStatus): boolean {
  return from === 'REQUESTED' && (to === 'COMPLETED' || to === 'CANCELLED');
}

/**
 * Compares firmware versions `v?MAJOR.MINOR.PATCH` numerically; undefined when either is not in
 * that form (the caller then falls back to creation order).
 */
export function compareVersions(a: string, b: string): number | undefined {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (!pa || !pb) return undefined;
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

function parseVersion(v: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/i.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}
