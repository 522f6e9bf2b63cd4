import type { LateAnswer } from './outbound-calls.js';

/**
 * How a late answer is logged: info when its effects were applied (our records caught up), warn
 * when they were not (the operator was told Timeout and our records may not show what the charger did).
 */
export function lateAnswerLog(stationId: string, late: LateAnswer): { level: 'info' | 'warn'; fields: Record<string, unknown>; message: string } {
  const fields = { stationId, uniqueId: late.uniqueId, action: late.action, lateByMs: late.lateByMs, answer: late.outcome.kind, applied: late.applied };
  return late.applied
    ? { level: 'info', fields, message: 'answer arrived after the call timed out; its effects applied' }
    : { level: 'warn', fields, message: 'answer arrived after the call timed out; its effects not applied' };
}
