import type { EmspAnswer } from './rta-answer.js';
import { raceAuthorization, type Ask } from './rta-race.js';

const answer = (allowed: 'ALLOWED' | 'BLOCKED' | 'EXPIRED' | 'NOT_ALLOWED', ref?: string): EmspAnswer => ({ kind: 'answer', allowed, info: { allowed, authorization_reference: ref } });

function after(ms: number, value: EmspAnswer): Ask<string>['ask'] {
  return (signal) =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => resolve(value), ms);
      signal.addEventListener('abort', () => {
        clearTimeout(t);
        reject(new Error('aborted'));
      });
    });
}

describe('raceAuthorization', () => {
  it('lets the first ALLOWED win and aborts the others', async () => {
    const aborted: string[] = [];
    const slow: Ask<string>['ask'] = (signal) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => {
        aborted.push('slow');
        reject(new Error('aborted'));
      }));
    const outcome = await raceAuthorization<string>([
      { emsp: 'A', timeoutMs: 1000, ask: after(1, { kind: 'unknown' }) },
      { emsp: 'B', timeoutMs: 1000, ask: after(5, answer('ALLOWED', 'ref-b')) },
      { emsp: 'C', timeoutMs: 1000, ask: slow },
    ]);
    expect(outcome).toEqual({ kind: 'allowed', emsp: 'B', info: { allowed: 'ALLOWED', authorization_reference: 'ref-b' } });
    await new Promise((r) => setImmediate(r));
    expect(aborted).toEqual(['slow']);
  });

  it('returns the most specific refusal when nobody allows', async () => {
    const outcome = await raceAuthorization<string>([
      { emsp: 'A', timeoutMs: 1000, ask: after(1, answer('NOT_ALLOWED')) },
      { emsp: 'B', timeoutMs: 1000, ask: after(2, answer('EXPIRED')) },
      { emsp: 'C', timeoutMs: 1000, ask: after(1, { kind: 'failed', reason: 'x' }) },
    ]);
    expect(outcome).toMatchObject({ kind: 'refused', emsp: 'B', info: { allowed: 'EXPIRED' } });
  });

  it('reports who timed out when nobody answered in time, and unknown when all said unknown', async () => {
    const hang: Ask<string>['ask'] = () => new Promise(() => undefined);
    expect(await raceAuthorization<string>([{ emsp: 'A', timeoutMs: 20, ask: hang }, { emsp: 'B', timeoutMs: 1000, ask: after(1, { kind: 'unknown' }) }])).toEqual({ kind: 'timeout', emsp: ['A'] });
    expect(await raceAuthorization<string>([{ emsp: 'A', timeoutMs: 1000, ask: after(1, { kind: 'unknown' }) }])).toEqual({ kind: 'unknown' });
    expect(await raceAuthorization<string>([])).toEqual({ kind: 'unknown' });
  });

  it('counts a rejected ask as a failure, not a crash', async () => {
    const boom: Ask<string>['ask'] = () => Promise.reject(new Error('ECONNREFUSED'));
    expect(await raceAuthorization<string>([{ emsp: 'A', timeoutMs: 1000, ask: boom }])).toEqual({ kind: 'unknown' });
  });
});
