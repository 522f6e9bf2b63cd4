import { mostSpecificRefusal, type AuthorizationInfo } from '@cpo/ocpi-protocol';
import type { EmspAnswer } from './rta-answer.js';

/** One eMSP to ask, with its own deadline (the agreement's, or the default). */
export interface Ask<T> {
  emsp: T;
  timeoutMs: number;
  ask(signal: AbortSignal): Promise<EmspAnswer>;
}

export type RaceOutcome<T> =
  | { kind: 'allowed'; emsp: T; info: AuthorizationInfo }
  | { kind: 'refused'; emsp: T; info: AuthorizationInfo }
  | { kind: 'timeout'; emsp: T[] }
  | { kind: 'unknown' };

/**
 * Asks every eMSP in parallel (guide §8.3): the first ALLOWED wins and aborts the rest; otherwise
 * the most specific refusal; otherwise, if someone timed out, `timeout` (the caller applies the
 * agreement policy, for known tokens only); otherwise unknown. Failures count as no answer.
 */
export async function raceAuthorization<T>(asks: Ask<T>[]): Promise<RaceOutcome<T>> {
  const cancel = new AbortController();
  const answers: { emsp: T; answer: EmspAnswer }[] = [];
  let winner: { emsp: T; info: AuthorizationInfo } | undefined;
  await new Promise<void>((resolve) => {
    let pending = asks.length;
    if (pending === 0) return resolve();
    for (const a of asks) {
      const deadline = AbortSignal.timeout(a.timeoutMs);
      const signal = AbortSignal.any([deadline, cancel.signal]);
      const timedOut = new Promise<EmspAnswer>((r) => deadline.addEventListener('abort', () => r({ kind: 'timeout' }), { once: true }));
      void Promise.race([a.ask(signal).catch((err: unknown): EmspAnswer => (deadline.aborted ? { kind: 'timeout' } : { kind: 'failed', reason: (err as Error).message })), timedOut]).then((answer) => {
        answers.push({ emsp: a.emsp, answer });
        if (!winner && answer.kind === 'answer' && answer.allowed === 'ALLOWED') {
          winner = { emsp: a.emsp, info: answer.info };
          cancel.abort();
          resolve();
        }
        pending -= 1;
        if (pending === 0) resolve();
      });
    }
  });
  if (winner) return { kind: 'allowed', ...winner };
  const refusals = answers.flatMap((x) => (x.answer.kind === 'answer' ? [{ emsp: x.emsp, info: x.answer.info }] : []));
  const worst = mostSpecificRefusal(refusals.map((r) => r.info.allowed));
  if (worst) return { kind: 'refused', ...refusals.find((r) => r.info.allowed === worst)! };
  const late = answers.filter((x) => x.answer.kind === 'timeout').map((x) => x.emsp);
  if (late.length > 0) return { kind: 'timeout', emsp: late };
  return { kind: 'unknown' };
}
