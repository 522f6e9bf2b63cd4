/** What an outbound attempt came back with: an HTTP status, or no answer at all. */
export type AttemptOutcome = { kind: 'answer'; status: number } | { kind: 'no_answer'; error: string };

export type Decision = { result: 'sent' } | { result: 'retry'; delayMs: number } | { result: 'failed' };

const MAX_DELAY_MS = 60_000;

/**
 * Success is any 2xx (OSCP's answer is 204). Network errors, timeouts, 429 and 5xx are retried
 * with exponential backoff while attempts remain; any other status is the peer's final word.
 */
export function decide(outcome: AttemptOutcome, attempts: number, maxAttempts: number, baseDelayMs: number): Decision {
  if (outcome.kind === 'answer' && outcome.status >= 200 && outcome.status < 300) return { result: 'sent' };
  const transient = outcome.kind === 'no_answer' || outcome.status === 429 || outcome.status >= 500;
  if (!transient || attempts >= maxAttempts) return { result: 'failed' };
  return { result: 'retry', delayMs: Math.min(baseDelayMs * 2 ** (attempts - 1), MAX_DELAY_MS) };
}
