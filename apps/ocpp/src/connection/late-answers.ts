import type { Logger } from 'pino';
import type { OcppMetrics } from '../metrics/ocpp-metrics.js';
import type { LateAnswer } from './outbound-calls.js';

/**
 * How a late answer is logged: info when its effects were applied (our records caught up, a
 * CallError's too: the charger did not act after all), warn when they were not (the operator was
 * told Timeout and our records may not show what the charger did). A CallError names its code.
 */
export function lateAnswerLog(stationId: string, late: LateAnswer): { level: 'info' | 'warn'; fields: Record<string, unknown>; message: string } {
  const code = late.outcome.kind === 'error' ? { code: late.outcome.code } : {};
  const fields = { stationId, uniqueId: late.uniqueId, action: late.action, lateByMs: late.lateByMs, answer: late.outcome.kind, ...code, applied: late.applied };
  return late.applied
    ? { level: 'info', fields, message: 'answer arrived after the call timed out; its effects applied' }
    : { level: 'warn', fields, message: 'answer arrived after the call timed out; its effects not applied' };
}

/** Counts and logs a late answer of a station's call (StationSession). */
export function recordLateAnswer(metrics: OcppMetrics, logger: Logger, stationId: string, late: LateAnswer): void {
  metrics.lateAnswers.inc({ action: late.action, handled: late.applied ? 'applied' : 'ignored' });
  const { level, fields, message } = lateAnswerLog(stationId, late);
  logger[level](fields, message);
}
